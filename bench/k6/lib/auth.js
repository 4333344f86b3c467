// Log in once, in setup(), as a seeded user; every VU reuses the token.
import { AUTH_URL, USERNAME, PASSWORD } from './config.js';
import { request } from './outcomes.js';

export function login(username = USERNAME) {
  const { res, ok } = request(
    'POST',
    `${AUTH_URL}/auth/token`,
    { username, password: PASSWORD },
    { responseType: 'text' },
    { isPrimary: false },
  );
  if (!ok) {
    throw new Error(`login as ${username} at ${AUTH_URL} failed: ${res.status} ${res.body}`);
  }
  return res.json('access_token');
}

export function authHeaders(token, extra = {}) {
  return { headers: { Authorization: `Bearer ${token}`, ...extra } };
}
