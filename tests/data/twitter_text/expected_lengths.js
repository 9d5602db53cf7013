// Expected weighted lengths from the official twitter-text package (v3 config).
const tt = require('twitter-text');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const version = require('twitter-text/package.json').version;
const out = cases.map(([kind, text]) => {
  const r = tt.parseTweet(text);
  return {kind, text, weighted_length: r.weightedLength, valid: r.valid};
});
console.log(JSON.stringify({source: `twitter-text ${version} (npm), parseTweet(text).weightedLength with the default v3 configuration`, cases: out}, null, 1));
