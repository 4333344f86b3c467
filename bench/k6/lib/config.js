// Settings every scenario reads from `k6 run -e NAME=value`. Only BASE_URL is required.
//   BASE_URL   the API (FastAPI: the resources service; Django: the one service; the floor)
//   AUTH_URL   where POST /auth/token lives (default BASE_URL)
//   FILES_URL  where POST /files lives (default BASE_URL)
//   USERNAME, PASSWORD  a seeded user (all seeded users share one password)
//   USER_COUNT, POST_COUNT  the seeded id ranges (ids 1..N)
//   MODEL=open|closed, RATE (req/s, open), VUS, MAX_VUS, DURATION, TIMEOUT

export function env(name, fallback) {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

function required(name) {
  const value = env(name, undefined);
  if (value === undefined) {
    throw new Error(`set ${name}, e.g. k6 run -e ${name}=http://127.0.0.1:8002 script.js`);
  }
  return value.replace(/\/+$/, '');
}

export const BASE_URL = required('BASE_URL');
export const AUTH_URL = env('AUTH_URL', BASE_URL).replace(/\/+$/, '');
export const FILES_URL = env('FILES_URL', BASE_URL).replace(/\/+$/, '');
export const USERNAME = env('USERNAME', 'user1');
export const PASSWORD = env('PASSWORD', 'bench password 1');
export const USER_COUNT = parseInt(env('USER_COUNT', '100'), 10);
export const POST_COUNT = parseInt(env('POST_COUNT', '1000'), 10);
export const TIMEOUT = env('TIMEOUT', '10s');

// Seconds in a duration as k6 spells it: "25s", "500ms", "2", or Go's "1m0s", "1h2m3.5s".
export function seconds(duration) {
  const text = String(duration);
  if (/^\d+(?:\.\d+)?$/.test(text)) return parseFloat(text);
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  let consumed = 0;
  let match;
  while ((match = part.exec(text)) !== null && match.index === consumed) {
    total += parseFloat(match[1]) * unit[match[2]];
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) throw new Error(`bad duration ${duration}`);
  return total;
}
