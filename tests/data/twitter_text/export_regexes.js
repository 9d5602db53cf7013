// Exports the regular expressions twitter-text 3 and twemoji-parser use to count a post's length.
const tt = require('twitter-text');
const r = tt.regexen;
const emoji = require('twemoji-parser/dist/lib/regex').default;
const pick = (re) => ({source: re.source, flags: re.flags});
const out = {
  source: `twitter-text ${require('twitter-text/package.json').version} and twemoji-parser ${require('twemoji-parser/package.json').version} (npm)`,
  config: tt.configs.defaults,
  regexes: {
    extractUrl: pick(r.extractUrl),
    invalidUrlWithoutProtocolPrecedingChars: pick(r.invalidUrlWithoutProtocolPrecedingChars),
    validAsciiDomain: pick(r.validAsciiDomain),
    validTcoUrl: pick(r.validTcoUrl),
    emoji: pick(emoji),
  },
};
console.log(JSON.stringify(out));
