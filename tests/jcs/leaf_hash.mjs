// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// An independent verifier of trail's hashes (SPEC §5, leaf format 2), built on the npm package
// `canonicalize` (RFC 8785) and node's JSON.parse, which reads every number as an IEEE-754
// double — as any standard verifier does. Nothing here comes from trail's code.
//
//   node leaf_hash.mjs vectors FILE
//       self-check: recomputes every layer of shared/testdata/leaf-v2-vectors.txt (a copy is
//       FILE) and exits 1 naming each mismatch.
//   node leaf_hash.mjs reads < IN.json > OUT.json
//       IN: [{"event": "<raw JSON text of an event as read>", "sent": "<raw JSON text>"|null,
//             "stored": "<raw JSON text>"|null}, …]
//       OUT: per item {personal, personal_hash, body, body_hash, leaf, leaf_hash} of the event,
//       and canonicalize(JSON.parse(x)) of `sent` and `stored` (null when not given).
import { createHash } from 'node:crypto';
import fs from 'node:fs';

import canonicalize from 'canonicalize';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest();
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const present = (v) => v !== undefined && v !== null;

function pick(event, keys) {
  const out = {};
  for (const k of keys) if (present(event[k])) out[k] = event[k];
  return out;
}

// personal = JCS{salt, ip, user_agent, location}; a read without the salt (scrubbed, or not
// shown to this reader) carries personal_hash instead.
function personalLayer(event) {
  if (!present(event.salt)) {
    return { text: null, hash: Buffer.from(event.personal_hash ?? '', 'base64') };
  }
  const text = canonicalize(pick(event, ['salt', 'ip', 'user_agent', 'location']));
  return { text, hash: sha256(Buffer.from(text, 'utf8')) };
}

// body = JCS{subject, actor, occurred_at, metadata, personal_hash}; a pruned event keeps only
// its body_hash.
function bodyLayer(event, personal) {
  if (event.pruned === true) return { text: null, hash: Buffer.from(event.body_hash ?? '', 'base64') };
  const body = pick(event, ['subject', 'actor', 'occurred_at', 'metadata']);
  body.personal_hash = b64(personal.hash);
  const text = canonicalize(body);
  return { text, hash: sha256(Buffer.from(text, 'utf8')) };
}

export function layers(event) {
  const personal = personalLayer(event);
  const body = bodyLayer(event, personal);
  const leaf = canonicalize({
    v: 2, id: event.id, recorded_at: event.recorded_at, tag: event.tag, body_hash: b64(body.hash),
  });
  const leafHash = sha256(Buffer.concat([Buffer.from([0]), Buffer.from(leaf, 'utf8')]));
  return {
    personal: personal.text, personal_hash: b64(personal.hash),
    body: body.text, body_hash: b64(body.hash),
    leaf, leaf_hash: b64(leafHash),
  };
}

function checkVectors(file) {
  const text = fs.readFileSync(file, 'utf8');
  const failures = [];
  let cases = 0;
  for (const block of text.split(/\n(?=case: )/)) {
    if (!block.startsWith('case: ')) continue;
    const name = block.split('\n', 1)[0].slice(6);
    const want = {};
    for (const line of block.split('\n').slice(1)) {
      const m = /^([a-z_]+): (.*)$/.exec(line);
      if (m) want[m[1]] = m[2].replace(/\s+#.*$/, '');
    }
    if (!want.event || !want.leaf_hash) {
      failures.push(`${name}: no event or leaf_hash line`);
      continue;
    }
    cases++;
    const got = layers(JSON.parse(want.event));
    for (const k of ['personal', 'personal_hash', 'body', 'body_hash', 'leaf', 'leaf_hash']) {
      if (k in want && got[k] !== want[k]) failures.push(`${name}: ${k}\n  want ${want[k]}\n  got  ${got[k]}`);
    }
  }
  if (cases === 0) failures.push(`${file}: no cases`);
  for (const f of failures) console.error(f);
  console.log(`${cases} vector cases, ${failures.length} mismatches`);
  return failures.length === 0 ? 0 : 1;
}

function hashReads() {
  const items = JSON.parse(fs.readFileSync(0, 'utf8'));
  const canon = (raw) => (raw === null || raw === undefined ? null : canonicalize(JSON.parse(raw)));
  const out = items.map((item) => ({
    ...layers(JSON.parse(item.event)), sent: canon(item.sent), stored: canon(item.stored),
  }));
  process.stdout.write(JSON.stringify(out));
  return 0;
}

const [mode, file] = process.argv.slice(2);
if (mode === 'vectors' && file) {
  process.exitCode = checkVectors(file);
} else if (mode === 'reads') {
  process.exitCode = hashReads();
} else {
  console.error('usage: node leaf_hash.mjs vectors FILE | reads < IN.json');
  process.exitCode = 2;
}
