// Steady load through the ingress controller on both implementations: FastAPI's
// GET /users/{id} and GET /auth/me on the API host, the Django twin's GET /users/{id} on
// the admin host. The e2e reads failures (any non-2xx or transport error) from the
// summary: 0 is the requirement during an upgrade. Settings come from the environment.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE;
const API = __ENV.API_HOST;
const ADMIN = __ENV.ADMIN_HOST;
const TOKEN = __ENV.TOKEN;
const USER = __ENV.USER_ID;
const ROUTES = (__ENV.ROUTES || "resources,auth,django").split(",");

export const options = {
  scenarios: {
    steady: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE || 20),
      timeUnit: "1s",
      duration: __ENV.DURATION || "60s",
      preAllocatedVUs: Number(__ENV.VUS || 20),
      maxVUs: Number(__ENV.MAX_VUS || 60),
    },
  },
  summaryTrendStats: ["min", "med", "p(95)", "p(99)", "max"],
};

const TARGETS = {
  resources: { url: `${BASE}/users/${USER}`, host: API },
  auth: { url: `${BASE}/auth/me`, host: API },
  django: { url: `${BASE}/users/${USER}`, host: ADMIN },
};

export default function () {
  const name = ROUTES[Math.floor(Math.random() * ROUTES.length)];
  const t = TARGETS[name];
  const res = http.get(t.url, {
    headers: { Host: t.host, Authorization: `Bearer ${TOKEN}` },
    tags: { route: name },
    timeout: "10s",
  });
  check(res, { "2xx": (r) => r.status >= 200 && r.status < 300 });
}
