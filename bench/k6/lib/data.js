// Random ids from the seeded ranges: the seed assigns ids 1..N in order.
import { USER_COUNT, POST_COUNT } from './config.js';

function between(low, high) {
  return low + Math.floor(Math.random() * (high - low + 1));
}

export function randomUserId() {
  return between(1, USER_COUNT);
}

export function randomPostId() {
  return between(1, POST_COUNT);
}
