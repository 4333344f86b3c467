// simple_get: GET /users/{random id} with a valid token — per-request framework + ORM
// overhead. Open model by default (latency); MODEL=closed measures saturation.
import { BASE_URL } from './lib/config.js';
import { login, authHeaders } from './lib/auth.js';
import { randomUserId } from './lib/data.js';
import { options as loadOptions } from './lib/load.js';
import { request } from './lib/outcomes.js';

export const options = loadOptions({ model: 'open', rate: 200, vus: 50 });

export function setup() {
  return { token: login() };
}

export default function (data) {
  request('GET', `${BASE_URL}/users/${randomUserId()}`, null, authHeaders(data.token));
}
