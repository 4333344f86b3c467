// complex_query: GET /users/{random id}/overview (10 posts x 5 comments) — relationship
// loading and serialisation of nested data.
import { BASE_URL } from './lib/config.js';
import { login, authHeaders } from './lib/auth.js';
import { randomUserId } from './lib/data.js';
import { options as loadOptions } from './lib/load.js';
import { request } from './lib/outcomes.js';

export const options = loadOptions({ model: 'open', rate: 100, vus: 50 });

export function setup() {
  return { token: login() };
}

export default function (data) {
  const url = `${BASE_URL}/users/${randomUserId()}/overview?posts_limit=10&comments_limit=5`;
  request('GET', url, null, authHeaders(data.token));
}
