// Runs one Lambda handler the way the Node.js runtime calls it, for lambdastack invoke --local.
// argv: <file.function> <event file> <result file>. console output goes to stderr; the JSON of
// what the handler returned (or passed to its callback) goes to the result file.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";

const [handler, eventFile, resultFile] = process.argv.slice(2);
const dot = handler.lastIndexOf(".");
const base = join(process.env.LAMBDA_TASK_ROOT, handler.slice(0, dot));
const file = [".mjs", ".cjs", ".js"].map((ext) => base + ext).find(existsSync);
if (!file) throw new Error(`handler ${handler}: no ${base}.mjs, .cjs or .js`);
console.log = console.info = console.error; // log output, as in Lambda

const timeout = Number(process.env.LAMBDASTACK_LOCAL_TIMEOUT || "3");
const deadline = Date.now() + timeout * 1000;
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  invokedFunctionArn: process.env.LAMBDASTACK_LOCAL_FUNCTION_ARN,
  awsRequestId: randomUUID(),
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: "local",
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};

const mod = await import(pathToFileURL(file).href);
const fn = mod[handler.slice(dot + 1)] ?? mod.default?.[handler.slice(dot + 1)];
if (typeof fn !== "function") throw new Error(`handler ${handler}: ${file} exports no function ${handler.slice(dot + 1)}`);
const event = JSON.parse(readFileSync(eventFile, "utf8"));
const result = await new Promise((resolve, reject) => {
  const ret = fn(event, context, (err, value) => (err ? reject(err) : resolve(value)));
  if (ret && typeof ret.then === "function") ret.then(resolve, reject);
});
writeFileSync(resultFile, JSON.stringify(result ?? null));
