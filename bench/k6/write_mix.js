// write_mix: 80% reads, 15% POST /posts, 5% POST /posts/{id}/comments — a realistic
// mixed workload with row locks (the post's comment_count) and inserts.
// Reads: half GET /users/{id}, a quarter GET /posts/{id}, a quarter the overview.
import { BASE_URL } from './lib/config.js';
import { login, authHeaders } from './lib/auth.js';
import { randomPostId, randomUserId } from './lib/data.js';
import { options as loadOptions } from './lib/load.js';
import { request } from './lib/outcomes.js';

export const options = loadOptions({ model: 'open', rate: 100, vus: 50 });

export function setup() {
  return { token: login() };
}

export default function (data) {
  const read = authHeaders(data.token);
  const write = authHeaders(data.token, { 'Content-Type': 'application/json' });
  const dice = Math.random();
  if (dice < 0.40) {
    request('GET', `${BASE_URL}/users/${randomUserId()}`, null, read);
  } else if (dice < 0.60) {
    request('GET', `${BASE_URL}/posts/${randomPostId()}`, null, read);
  } else if (dice < 0.80) {
    request('GET', `${BASE_URL}/users/${randomUserId()}/overview`, null, read);
  } else if (dice < 0.95) {
    const body = JSON.stringify({ title: `bench post ${__VU}-${__ITER}`, body: 'written under load' });
    request('POST', `${BASE_URL}/posts`, body, write, { expected: [201] });
  } else {
    const body = JSON.stringify({ body: `bench comment ${__VU}-${__ITER}` });
    request('POST', `${BASE_URL}/posts/${randomPostId()}/comments`, body, write, { expected: [201] });
  }
}
