'use strict';
// json-rules-engine as its users run it, for the peer table of `make bench` (bench/peers.py writes the input).
//
//     node bench/peers/json_rules_engine.js INPUT.json
//
// INPUT.json: {"rules": [json-rules-engine rule JSON, one per catalog rule], "paths": [every profile path],
// "schools": [{path: answered value}, ...], "warmUp": N, "rounds": N}. Prints one JSON line:
// {"us_per_school": least CPU microseconds per school over the rounds, "fired": [[event types], ...] per school}.
//
// One Engine holds every rule; each school is one engine.run over flat facts (one fact per dotted path), and what
// fired is the events' types. Every profile path is declared once as an engine fact whose value is null, so an
// unanswered question reads as null while a path no profile has still throws (the engine's default), and each
// school's answers, passed to run() as runtime facts, override those defaults for that run only.
// CPU time is process.cpuUsage() (user + system, every thread of this process: the garbage collector's too).

const fs = require('node:fs');
const { Engine } = require('json-rules-engine');

async function fire(engine, school) {
  const { events } = await engine.run(school);
  return events.map((event) => event.type);
}

async function main() {
  const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const engine = new Engine(input.rules);
  for (const path of input.paths) {
    engine.addFact(path, null);
  }
  const { schools } = input;
  for (const school of schools.slice(0, input.warmUp)) {
    await fire(engine, school);
  }
  let least = Infinity;
  let fired = [];
  for (let round = 0; round < input.rounds; round += 1) {
    const results = [];
    const start = process.cpuUsage();
    for (const school of schools) {
      results.push(await fire(engine, school));
    }
    const used = process.cpuUsage(start);
    least = Math.min(least, used.user + used.system);
    fired = results;
  }
  process.stdout.write(`${JSON.stringify({ us_per_school: least / schools.length, fired })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
