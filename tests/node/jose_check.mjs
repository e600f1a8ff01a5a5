// Cross-check with Node's `jose` (npm): verify our tokens with only the published JWK Set,
// and sign tokens for our verifier. Reads one JSON request on stdin, writes one JSON answer.
//   {"mode": "verify", "jwks": {...}, "typ": "vc+jwt", "tokens": ["..."]}
//     -> {"results": [{"ok": true, "payload": {...}, "kid": "..."} | {"ok": false, "error": "..."}]}
//   {"mode": "sign", "jwk": {private JWK}, "payload": "..."}
//     -> {"own": "...", "foreign": "...", "impostor": "..."}
import {
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
} from "jose";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const encoder = new TextEncoder();

async function sign(key, kid, payload) {
  return new CompactSign(encoder.encode(payload))
    .setProtectedHeader({ alg: "Ed25519", kid, typ: "vc+jwt" })
    .sign(key);
}

if (request.mode === "verify") {
  const keys = createLocalJWKSet(request.jwks);
  const results = [];
  for (const token of request.tokens) {
    try {
      const { payload, protectedHeader } = await compactVerify(token, keys, {
        algorithms: ["Ed25519"],
      });
      if (protectedHeader.typ !== request.typ) throw new Error(`typ ${protectedHeader.typ}`);
      results.push({
        ok: true,
        kid: protectedHeader.kid,
        payload: JSON.parse(new TextDecoder().decode(payload)),
      });
    } catch (error) {
      results.push({ ok: false, error: String(error.code || error.message) });
    }
  }
  process.stdout.write(JSON.stringify({ results }));
} else if (request.mode === "sign") {
  const ours = await importJWK(request.jwk, "Ed25519");
  const { privateKey, publicKey } = await generateKeyPair("Ed25519");
  const foreignKid = await calculateJwkThumbprint(await exportJWK(publicKey));
  process.stdout.write(
    JSON.stringify({
      own: await sign(ours, request.jwk.kid, request.payload),
      foreign: await sign(privateKey, foreignKid, request.payload),
      impostor: await sign(privateKey, request.jwk.kid, request.payload),
    }),
  );
} else {
  process.stderr.write(`unknown mode ${request.mode}\n`);
  process.exit(2);
}
