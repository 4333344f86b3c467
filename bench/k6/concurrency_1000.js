// concurrency_1000: simple_get from 1000 concurrent connections (closed model: 1000 VUs,
// each its own keep-alive connection) — behaviour past saturation: errors, timeouts,
// tail latency.
import { BASE_URL } from './lib/config.js';
import { login, authHeaders } from './lib/auth.js';
import { randomUserId } from './lib/data.js';
import { options as loadOptions } from './lib/load.js';
import { request } from './lib/outcomes.js';

export const options = loadOptions({ model: 'closed', vus: 1000, duration: '60s' });

export function setup() {
  return { token: login() };
}

export default function (data) {
  request('GET', `${BASE_URL}/users/${randomUserId()}`, null, authHeaders(data.token));
}
