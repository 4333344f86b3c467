// job_trigger: POST /jobs {"type": "export_posts"}, then poll GET /jobs/{id} until it is
// done — enqueue latency (bench_latency is the POST) and time to completion on the
// worker (bench_job_completion, from the POST to the first poll that sees it finished).
import { sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { BASE_URL, env } from './lib/config.js';
import { login, authHeaders } from './lib/auth.js';
import { options as loadOptions } from './lib/load.js';
import { request } from './lib/outcomes.js';

export const options = loadOptions({ model: 'open', rate: 5, vus: 20, maxVUs: 100 });

const POLL_INTERVAL = parseFloat(env('POLL_INTERVAL', '0.1'));
const JOB_DEADLINE_MS = parseFloat(env('JOB_DEADLINE', '30')) * 1000;
const completion = new Trend('bench_job_completion', true);
const jobsSucceeded = new Counter('bench_jobs_succeeded');
const jobsFailed = new Counter('bench_jobs_failed');
const jobsUnfinished = new Counter('bench_jobs_unfinished');

export function setup() {
  return { token: login() };
}

export default function (data) {
  const params = authHeaders(data.token, { 'Content-Type': 'application/json' });
  const started = Date.now();
  const { res, ok } = request(
    'POST', `${BASE_URL}/jobs`, JSON.stringify({ type: 'export_posts' }),
    { ...params, responseType: 'text' }, { expected: [202] },
  );
  if (!ok) return;
  const id = res.json('id');
  while (Date.now() - started < JOB_DEADLINE_MS) {
    sleep(POLL_INTERVAL);
    const poll = request('GET', `${BASE_URL}/jobs/${id}`, null,
      { ...params, responseType: 'text' }, { isPrimary: false });
    if (!poll.ok) continue;
    const status = poll.res.json('status');
    if (status === 'succeeded' || status === 'failed') {
      completion.add(Date.now() - started);
      (status === 'succeeded' ? jobsSucceeded : jobsFailed).add(1);
      return;
    }
  }
  jobsUnfinished.add(1);
}
