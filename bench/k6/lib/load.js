// The load model of a run, from env vars, so one script serves the latency question
// (open model: a constant arrival rate, immune to coordinated omission) and the
// saturation question (closed model: a fixed number of VUs, each one connection).
import { env, seconds, TIMEOUT } from './config.js';

// Let every started request finish or time out before k6 stops a VU, so no request
// is cut off uncounted at the end of the run.
const GRACEFUL_STOP = `${Math.ceil(seconds(TIMEOUT)) + 5}s`;

export function options(defaults) {
  const model = env('MODEL', defaults.model);
  const duration = env('DURATION', defaults.duration || '30s');
  const vus = parseInt(env('VUS', String(defaults.vus || 50)), 10);
  let scenario;
  if (model === 'open') {
    scenario = {
      executor: 'constant-arrival-rate',
      rate: parseInt(env('RATE', String(defaults.rate || 100)), 10),
      timeUnit: '1s',
      duration,
      preAllocatedVUs: vus,
      maxVUs: parseInt(env('MAX_VUS', String(defaults.maxVUs || vus * 4)), 10),
      gracefulStop: GRACEFUL_STOP,
    };
  } else if (model === 'closed') {
    scenario = { executor: 'constant-vus', vus, duration, gracefulStop: GRACEFUL_STOP };
  } else {
    throw new Error(`MODEL must be open or closed, not ${model}`);
  }
  return {
    scenarios: { main: scenario },
    discardResponseBodies: true,
    setupTimeout: '60s',
    // The harness reads these from --summary-export.
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(99)'],
  };
}
