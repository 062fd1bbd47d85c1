// What the browser tests of tinygpt's web pages share (step 06's rating page, step 07's
// chat page): start a tinygpt server on a free port and wait for its "listening on" line,
// drive Debian's chromium with playwright-core, run tinygpt commands, stop everything.
//
// A test is a plain Node program (no test runner): it exits 0 when every check passed, 1
// on the first failure (with the server's output), and 77 (ctest's SKIP_RETURN_CODE) when
// the browser or playwright-core is not installed (scripts/setup.sh installs both).
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SKIP = 77;

/** The browser: $CHROMIUM, or Debian's chromium. */
export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

/** Throws with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Throws unless `actual` equals `expected` (compared as JSON). */
export function checkEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`check failed: ${what}: got ${a}, expected ${e}`);
}

/** A fresh temporary folder, removed by cleanup(). */
export function tempFolder(label) {
  return mkdtempSync(join(tmpdir(), `tinygpt-browser-${label}-`));
}

/** Runs a command to its end; returns its standard output (throws with stderr on failure). */
export function run(binary, args) {
  try {
    return execFileSync(binary, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    throw new Error(`${binary} ${args.join(" ")} failed (status ${error.status}):\n${error.stderr}`);
  }
}

/**
 * Starts `binary args...` (a server that prints "listening on URL" when it accepts
 * connections, e.g. `tinygpt eval human serve --port 0`) and waits for that line.
 * Resolves to {url, output(), stop(), kill(signal), exited}; stop() sends SIGTERM and
 * resolves to the exit status {code, signal}; kill() only sends a signal (e.g. SIGTERM while
 * requests are under way), and `exited` is the promise of that exit status.
 */
export function startServer(binary, args, { timeoutMs = 15000 } = {}) {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    return exit;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no "listening on" line within ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/listening on (https?:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        const kill = (signal) => child.kill(signal);
        resolve({ url: match[1], output: () => output, stop, kill, exited: exit });
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server ended (status ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
}

/**
 * playwright-core's chromium at chromiumPath, headless; resolves to the browser, or exits
 * with SKIP when playwright-core or the browser is missing.
 */
export async function launchBrowser() {
  let playwright;
  try {
    playwright = await import("playwright-core");
  } catch {
    console.log("SKIP: playwright-core is not installed (run scripts/setup.sh: npm ci in tests/browser)");
    process.exit(SKIP);
  }
  if (!existsSync(chromiumPath)) {
    console.log(`SKIP: no browser at ${chromiumPath} (run scripts/setup.sh, or set CHROMIUM)`);
    process.exit(SKIP);
  }
  return playwright.chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // --no-sandbox: chromium's sandbox needs user namespaces, which containers and CI
    // often lack; the page is our own.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

/**
 * Runs `body(context)` with a server and a browser, and always stops both and removes the
 * temporary folder; exits 0 on success and 1 with the server's output on a failure.
 * `context` holds {folder}; the body starts the server with context.start(binary, args).
 */
export async function main(label, body) {
  const started = Date.now();
  const folder = tempFolder(label);
  const servers = [];
  let browser = null;
  const context = {
    folder,
    start: async (binary, args) => {
      const server = await startServer(binary, args);
      servers.push(server);
      return server;
    },
    browser: async () => (browser = browser || (await launchBrowser())),
  };
  let status = 0;
  try {
    await body(context);
    console.log(`PASS ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    status = 1;
    console.error(`FAIL ${label}: ${error.stack || error}`);
    for (const server of servers) console.error(`--- server output ---\n${server.output()}`);
  } finally {
    if (browser) await browser.close();
    for (const server of servers) await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
  process.exit(status);
}
