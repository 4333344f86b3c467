// upload_10mb: POST /files with a 10 MiB multipart body — streaming I/O and memory per
// upload. The body starts with a PDF header so the type sniffed from the bytes is on
// the allow-list; the rest is filler.
import { FILES_URL, env } from './lib/config.js';
import { login, authHeaders } from './lib/auth.js';
import { options as loadOptions } from './lib/load.js';
import http from 'k6/http';
import { request } from './lib/outcomes.js';

export const options = loadOptions({ model: 'open', rate: 5, vus: 10, maxVUs: 40 });

const SIZE = parseInt(env('UPLOAD_BYTES', String(10 * 1024 * 1024)), 10);

function pdfLikeBody(size) {
  const bytes = new Uint8Array(size);
  bytes.fill(0x20);
  const header = '%PDF-1.7\n';
  for (let i = 0; i < header.length; i += 1) bytes[i] = header.charCodeAt(i);
  return bytes.buffer;
}

const BODY = pdfLikeBody(SIZE);

export function setup() {
  return { token: login() };
}

export default function (data) {
  const form = { file: http.file(BODY, 'bench.pdf', 'application/pdf') };
  request('POST', `${FILES_URL}/files`, form, authHeaders(data.token), { expected: [201] });
}
