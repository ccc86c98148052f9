// autocannon as a load generator that measures the server rather than itself (issue 18).
// Stock autocannon appends every response body to a JavaScript string (`req.body += data` in its
// pipelinedRequestsQueue), i.e. decodes each body as UTF-8 even when nothing reads it. A gzipped page is binary, so that
// decoding takes V8's slow path: on loopback, against a plain Node server answering the same 27 KB, stock autocannon
// reached 11 k req/s on the gzipped page and 40 k on a JSON answer of the same size; with the body left alone, 147 k
// and 133 k. The page ÷ API ratio then measured the generator. This keeps everything else of autocannon (connections,
// timing, histogram, byte counts, which come from the socket) and drops only the unread body.
// It also records every latency, to report p95 (autocannon's summary has p90 and p97.5, not p95).
//   node bench/load/lean-cannon.cjs '{"url":"http://127.0.0.1:3191/fr","connections":16,"duration":10,"headers":{}}'
// Prints autocannon's result as JSON with `latency.p95` added. Bodies are never checked here (no expectBody).
'use strict';
const Queue = require('autocannon/lib/pipelinedRequestsQueue.js');
const autocannon = require('autocannon');

Queue.prototype.addBody = function addBody() {};

const options = JSON.parse(process.argv[2] ?? '{}');
if (!options.url) throw new Error('lean-cannon: {"url": …} attendu / expected');
if (options.expectBody || options.verifyBody) throw new Error('lean-cannon: ne lit pas les corps / does not read bodies');
const latencies = [];
const instance = autocannon(options, (err, result) => {
  if (err) throw err;
  latencies.sort((a, b) => a - b);
  const at = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] : null);
  result.latency.p95 = at(0.95);
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
