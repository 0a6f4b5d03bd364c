#!/usr/bin/env bash
# The consumer test: what a team does to adopt the package. Packs this repository, installs the
# tarball into a new CDK app outside the repository (test/consumer/app: a platform, a ScheduledJob
# with its own handler on cdk-scheduled-jobs/runtime, and a OneTimeJob that the recurring job
# schedules through grantSchedule and OneTimeScheduler), type-checks it, synthesizes it, runs a
# simulated day locally, and reads the run history with the CLI without naming the stack.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cdk-jobs-consumer.XXXXXX")"
app="$work/app"
step() { printf '\n== consumer: %s\n' "$*"; }
cleanup() {
  if [ -d "$app" ]; then (cd "$app" && npx --no-install cdk-jobs dev --stop >/dev/null 2>&1 || true); fi
  if [ "${KEEP_CONSUMER_APP:-}" = "" ]; then rm -rf "$work"; else echo "consumer app kept in $app"; fi
}
trap cleanup EXIT

version() { node -p "require('$repo/node_modules/$1/package.json').version"; }

step "pack"
(cd "$repo" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/cdk-scheduled-jobs-*.tgz)"
node -e '
  const { execFileSync } = require("node:child_process");
  const files = execFileSync("tar", ["tzf", process.argv[1]], { encoding: "utf8" }).trim().split("\n");
  const bad = files.filter((f) => /\/(test|bench|bin\/example|lambdas\/jobs)\//.test(f) || /\.ts$/.test(f) && !/\.d\.ts$/.test(f));
  if (bad.length) { console.error("the tarball ships files a consumer does not need:\n" + bad.join("\n")); process.exit(1); }
  if (!files.includes("package/LICENSE")) { console.error("the tarball has no LICENSE"); process.exit(1); }
  console.log(`${files.length} files`);
' "$tarball"

step "install into a new CDK app at $app"
cp -R "$repo/test/consumer/app" "$app"
cat > "$app/package.json" <<JSON
{ "name": "shop-jobs", "version": "1.0.0", "private": true, "type": "commonjs" }
JSON
(cd "$app" && npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$tarball" "aws-cdk-lib@$(version aws-cdk-lib)" "constructs@$(version constructs)" \
  "@aws-sdk/client-dynamodb@$(version @aws-sdk/client-dynamodb)" >/dev/null)
(cd "$app" && npm install --no-audit --no-fund --prefer-offline --loglevel=error --save-dev \
  "aws-cdk@$(version aws-cdk)" "typescript@$(version typescript)" "tsx@$(version tsx)" "@types/node@$(version @types/node)" >/dev/null)
printf '.local/\ncdk.out/\nnode_modules/\n' > "$app/.gitignore"

cd "$app"
step "type-check"
npx tsc -p tsconfig.json

step "cdk synth"
npx cdk synth --quiet

step "a simulated day: cdk-jobs dev --until 1d"
npx cdk-jobs dev --until 1d --json > "$work/day.json"
node -e '
  const day = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const runs = day.runs ?? [];
  const by = (job) => runs.filter((r) => r.job === job);
  const failed = runs.filter((r) => r.status !== "SUCCEEDED");
  console.log(`${runs.length} runs: shift-tally ${by("shift-tally").length}, tally-follow-up ${by("tally-follow-up").length}`);
  if (failed.length) { console.error("runs that did not succeed:", JSON.stringify(failed, null, 2)); process.exit(1); }
  if (by("shift-tally").length < 3) { console.error("expected shift-tally every 6 hours"); process.exit(1); }
  if (by("tally-follow-up").length < by("shift-tally").length - 1) { console.error("expected a follow-up per tally"); process.exit(1); }
' "$work/day.json"

step "the handlers' writes, read from the emulator the simulated day left running"
node -e '
  const { readdirSync, readFileSync } = require("node:fs");
  const { DynamoDBClient, ScanCommand } = require("@aws-sdk/client-dynamodb");
  const record = JSON.parse(readFileSync(".local/" + readdirSync(".local").find((f) => /^ShopJobs.*\.json$/.test(f)), "utf8"));
  const [, table] = Object.entries(record.resources).find(([id, r]) => id.startsWith("Tallies") && r.type.startsWith("AWS::DynamoDB::")) ?? [];
  const name = table?.name ?? table?.ref;
  // The emulator checks IAM: read it as the local administrator the record names.
  const admin = record.iam?.admin ?? { accessKeyId: "test", secretAccessKey: "test" };
  const credentials = { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey, ...(admin.sessionToken ? { sessionToken: admin.sessionToken } : {}) };
  const ddb = new DynamoDBClient({ endpoint: record.endpoint, region: record.region, credentials });
  ddb.send(new ScanCommand({ TableName: name })).then((out) => {
    const keys = (out.Items ?? []).map((i) => i.pk.S).sort();
    console.log(keys.join("\n"));
    if (!keys.some((k) => k.startsWith("tally#")) || !keys.some((k) => k.startsWith("follow-up#"))) process.exit(1);
  }).catch((e) => { console.error(e); process.exit(1); });
'

step "cdk-jobs history shift-tally (no --stack)"
npx cdk-jobs history shift-tally | tee "$work/history.txt"
grep -q SUCCEEDED "$work/history.txt"

step "ok"
