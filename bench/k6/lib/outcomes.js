// Every request is counted by its outcome, so a timeout or a 5xx is never dropped:
// attempts = ok + http_4xx + http_5xx + timeout + connection_error + other_error,
// and attempts - (that sum) = requests cut off by the end of the run.
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import exec from 'k6/execution';
import { seconds, TIMEOUT } from './config.js';

export const attempts = new Counter('bench_attempts');
const ok = new Counter('bench_ok');
const clientError = new Counter('bench_http_4xx');
const serverError = new Counter('bench_http_5xx');
const timeout = new Counter('bench_timeout');
const connectionError = new Counter('bench_connection_error');
const otherError = new Counter('bench_other_error');
// The scenario's measured request (not logins or job polls): latency and throughput.
export const primary = new Counter('bench_primary');
export const latency = new Trend('bench_latency', true);
// Primary requests completed inside the scenario's duration: throughput = this / duration
// (requests finishing during the graceful stop still count in every other metric).
const inWindow = new Counter('bench_primary_in_window');

// k6 error codes without a response: 1050 request timeout, 1211 TCP dial timeout, 12xx
// other TCP errors (refused, reset); with a response, error_code is 1000 + status.
function classify(res, expected) {
  if (res.status === 0) {
    if (res.error_code === 1050 || res.error_code === 1211) return timeout;
    if (res.error_code >= 1200 && res.error_code < 1300) return connectionError;
    return otherError;
  }
  if (expected.includes(res.status)) return ok;
  if (res.status >= 500) return serverError;
  if (res.status >= 400) return clientError;
  return otherError;
}

// The load window of the running scenario, parsed once per VU (not per request).
let windowCache;
function windowMs() {
  if (windowCache === undefined) {
    windowCache = seconds(exec.test.options.scenarios[exec.scenario.name].duration) * 1000;
  }
  return windowCache;
}

// One HTTP request, counted. `isPrimary` requests feed the latency Trend.
export function request(method, url, body, params, { expected = [200], isPrimary = true } = {}) {
  attempts.add(1);
  const res = http.request(method, url, body, { timeout: TIMEOUT, ...params });
  const outcome = classify(res, expected);
  outcome.add(1);
  if (isPrimary) {
    primary.add(1);
    latency.add(res.timings.duration);
    if (Date.now() - exec.scenario.startTime <= windowMs()) {
      inWindow.add(1);
    }
  }
  return { res, ok: outcome === ok };
}
