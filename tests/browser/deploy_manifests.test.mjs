// The container and Kubernetes files, checked statically against the built server: no
// container engine and no cluster runs here.
//   node deploy_manifests.test.mjs TINYGPT MODEL_FOLDER
// It parses Dockerfile, compose.yaml, deploy/k8s/*.yaml and deploy/prometheus/
// prometheus-compose.yml (the `yaml` package), then asks the server itself:
//   - every flag the Dockerfile's ENTRYPOINT, compose's command and the Deployment's args
//     pass is one `tinygpt serve --help` lists, and every $(VAR) in the args is a key of
//     the ConfigMap the container's environment comes from;
//   - the server started with the Deployment's resolved args (and again with the image's
//     ENTRYPOINT plus compose's command), host, port and model swapped for 127.0.0.1, port 0
//     and the fixture's model, and the example API keys of the Secret: every probe and
//     HEALTHCHECK path answers 200 without a key, /v1/models 200 with the example key and
//     401 without, /metrics holds the HPA's metric, and SIGTERM ends it with status 0;
//   - the ports agree: EXPOSE, HEALTHCHECK, ENTRYPOINT's --port, compose's ports and scrape
//     target, containerPort, the probes' and the Service's (named) ports, the scrape
//     annotation;
//   - the HPA (autoscaling/v2) scales on a Pods metric the adapter's rule exposes, not CPU;
//   - the Dockerfile's build runs scripts/setup.sh and the README's cmake command lines
//     (only the README's portable switch and a target added), and its runtime stage
//     installs the Debian package of every shared library the binary needs (ldd, dpkg -S);
//   - terminationGracePeriodSeconds and compose's stop_grace_period exceed --grace (plus
//     the preStop pause); the security context, resources and volumes the lesson names.
// Exit 0 when every check passed, 1 on the first failure, 77 when `yaml` is not installed.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main, check, checkEqual, run, SKIP } from "./harness.mjs";

const [binary, modelFolder] = process.argv.slice(2);
if (!binary || !modelFolder) {
  console.error("usage: node deploy_manifests.test.mjs TINYGPT MODEL_FOLDER");
  process.exit(2);
}
let YAML;
try {
  YAML = await import("yaml");
} catch {
  console.log("SKIP: the yaml package is not installed (run scripts/setup.sh: npm ci in tests/browser)");
  process.exit(SKIP);
}
process.env.OMP_NUM_THREADS = "1";
// A failed static check (before the server starts) ends the test like a failed live one.
process.on("uncaughtException", (error) => {
  console.error(`FAIL deploy manifests: ${error.message}`);
  process.exit(1);
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (path) => readFileSync(join(root, path), "utf8");
const words = (line) => line.trim().split(/\s+/).filter(Boolean);

// --- what the server offers ----------------------------------------------------------------
const help = run(binary, ["serve", "--help"]);
const serveFlags = new Set([...help.matchAll(/^\s+(?:-\w,)?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]));
check(serveFlags.has("--grace") && serveFlags.has("--port"), `serve --help lists its flags:\n${help}`);

/** The flags of a `tinygpt serve` argument list (after "serve"), each known to --help. */
function flagsOf(args, where) {
  const flags = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    if (!arg.startsWith("--")) continue;
    const [flag, inline] = arg.split("=", 2);
    check(serveFlags.has(flag), `${where}: ${flag} is not a flag of tinygpt serve --help`);
    flags.set(flag, inline ?? (args[i + 1] !== undefined && !String(args[i + 1]).startsWith("--") ? String(args[++i]) : true));
  }
  return flags;
}

/** args with each flag of `swap` given its new value (added when absent). */
function swapFlags(args, swap) {
  const out = [];
  const done = new Set();
  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    const flag = arg.split("=", 1)[0];
    if (flag in swap) {
      out.push(flag, swap[flag]);
      done.add(flag);
      if (!arg.includes("=")) i++;
    } else {
      out.push(arg);
    }
  }
  for (const [flag, value] of Object.entries(swap)) if (!done.has(flag)) out.push(flag, value);
  return out;
}

// --- Dockerfile ----------------------------------------------------------------------------
const dockerfile = read("Dockerfile")
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((line) => line.trim() && !line.trim().startsWith("#"))
  .map((line) => {
    const [instruction, ...rest] = words(line);
    return { instruction: instruction.toUpperCase(), rest: line.trim().slice(instruction.length).trim() };
  });
const stages = [];
for (const item of dockerfile) {
  if (item.instruction === "FROM") stages.push({ from: words(item.rest), items: [] });
  else stages.at(-1)?.items.push(item);
}
checkEqual(stages.length, 2, "Dockerfile stages (build, runtime)");
const [buildStage, runtimeStage] = stages;
check(/^debian:12(@|$)/.test(buildStage.from[0]), `the build stage is FROM debian:12 (${buildStage.from[0]})`);
check(/^debian:12-slim(@|$)/.test(runtimeStage.from[0]), `the runtime stage is FROM debian:12-slim (${runtimeStage.from[0]})`);
const stageName = buildStage.from[2];
const dockerOf = (stage, instruction) => stage.items.filter((item) => item.instruction === instruction);
const jsonForm = (item) => JSON.parse(item.rest.replace(/^CMD\s+/, ""));

// The build: scripts/setup.sh (as scripts/test.sh runs it), then the README's cmake lines.
const buildCommands = dockerOf(buildStage, "RUN").flatMap((item) => item.rest.split("&&").map((c) => words(c).join(" ")));
const readme = read("README.md");
const readmeBuild = readme
  .split("\n")
  .find((line) => line.startsWith("cmake --preset release"))
  .split("&&")
  .map((c) => words(c).join(" "));
checkEqual(readmeBuild, ["cmake --preset release", "cmake --build --preset release -j"], "the README's build line");
const setupLine = read("scripts/test.sh").split("\n").find((line) => line.includes("scripts/setup.sh")).trim();
// Additions allowed to the README's lines: the portable switch the README documents, and
// the program's target (the README builds targets with --target; apps/ defines tinygpt_cli).
const allowed = [];
if (readme.includes("-DTINYGPT_NATIVE=OFF")) allowed.push("-DTINYGPT_NATIVE=OFF");
if (readme.includes("--target") && read("apps/CMakeLists.txt").includes("add_executable(tinygpt_cli"))
  allowed.push("--target tinygpt_cli");
const position = (wanted) => {
  const index = buildCommands.findIndex((command) => {
    if (!command.startsWith(wanted)) return false;
    let extra = command.slice(wanted.length).trim();
    for (const addition of allowed) extra = extra.replace(addition, "").trim();
    return extra === "";
  });
  check(index >= 0, `the Dockerfile's build stage runs "${wanted}" (with at most ${allowed.join(", ")}); it runs:\n  ${buildCommands.join("\n  ")}`);
  return index;
};
const order = [setupLine, ...readmeBuild].map(position);
check(order.every((v, i) => i === 0 || v > order[i - 1]), `setup, configure, build in this order: ${order}`);
check(dockerOf(buildStage, "COPY").some((item) => words(item.rest).join(" ") === ". ."), "the build stage copies the repository");

// The runtime: the binary the README's build makes, a non-root user, port, probe, signal.
const copy = dockerOf(runtimeStage, "COPY").map((item) => words(item.rest));
const binaryCopy = copy.find((parts) => parts[0] === `--from=${stageName}`);
check(binaryCopy, `the runtime stage copies from the build stage (${stageName})`);
const builtBinary = relative(root, binary);
check(binaryCopy[1].endsWith(`/${builtBinary}`), `the image copies ${builtBinary} (copies ${binaryCopy[1]})`);
const user = dockerOf(runtimeStage, "USER").at(-1)?.rest;
check(user && !/^(root|0)(:|$)/.test(user), `the runtime stage runs as a non-root USER (${user})`);
checkEqual(dockerOf(runtimeStage, "STOPSIGNAL").map((item) => item.rest), ["SIGTERM"], "STOPSIGNAL");
const exposed = dockerOf(runtimeStage, "EXPOSE").flatMap((item) => words(item.rest)).map((p) => Number(p.split("/")[0]));
const entrypoint = jsonForm(dockerOf(runtimeStage, "ENTRYPOINT").at(-1));
checkEqual(binaryCopy.at(-1), entrypoint[0], "the ENTRYPOINT runs the copied binary");
checkEqual(entrypoint[1], "serve", "the ENTRYPOINT runs tinygpt serve");
const entryFlags = flagsOf(entrypoint.slice(2), "Dockerfile ENTRYPOINT");
const port = Number(entryFlags.get("--port"));
checkEqual(entryFlags.get("--host"), "0.0.0.0", "the ENTRYPOINT listens on every address");
checkEqual(exposed, [port], "EXPOSE is the ENTRYPOINT's --port");
const healthcheck = dockerOf(runtimeStage, "HEALTHCHECK").at(-1);
const healthArgs = jsonForm({ rest: healthcheck.rest.slice(healthcheck.rest.indexOf("CMD") + 3) });
const healthUrl = new URL(healthArgs.find((arg) => arg.startsWith("http")));
checkEqual(Number(healthUrl.port), port, "the HEALTHCHECK's port");
const modelPath = entryFlags.get("--model");
check(dockerOf(runtimeStage, "VOLUME").some((item) => item.rest.includes(modelPath)), `VOLUME ${modelPath}`);
// The packages the runtime stage installs: the words of its `apt-get install` commands.
const installed = new Set(
  dockerOf(runtimeStage, "RUN")
    .flatMap((item) => item.rest.split("&&"))
    .filter((command) => /\bapt-get\s+install\b/.test(command))
    .flatMap((command) => words(command.split(/apt-get\s+install/)[1]).filter((w) => !w.startsWith("-"))),
);
if (healthArgs[0] === "curl") check(installed.has("curl"), "the runtime stage installs curl for the HEALTHCHECK");
// Every shared library the binary loads, by the Debian package that ships it.
let runtimePackages = "not checked (no ldd or dpkg)";
try {
  const libraries = [...run("ldd", [binary]).matchAll(/=>\s+(\/\S+)/g)].map((m) => m[1]);
  const needed = [...run("objdump", ["-p", binary]).matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]);
  const packages = new Set();
  for (const library of libraries.filter((path) => needed.some((name) => path.endsWith(`/${name}`)))) {
    let owner;
    try {
      owner = run("dpkg", ["-S", library]);
    } catch {
      owner = run("dpkg", ["-S", execFileSync("readlink", ["-f", library], { encoding: "utf8" }).trim()]);
    }
    packages.add(owner.split(":")[0]);
  }
  packages.delete("libc6"); // in every Debian image
  for (const name of packages) check(installed.has(name), `the runtime stage installs ${name} (a library tinygpt links)`);
  runtimePackages = [...packages].join(" ");
} catch (error) {
  if (String(error).includes("check failed")) throw error;
}

// --- compose.yaml and its Prometheus ---------------------------------------------------------
const compose = YAML.parse(read("compose.yaml"));
const server = compose.services.tinygpt;
checkEqual(server.build.dockerfile ?? "Dockerfile", "Dockerfile", "compose builds the Dockerfile");
const composeArgs = [...entrypoint.slice(2), ...(server.command ?? [])];
const composeFlags = flagsOf(composeArgs, "compose.yaml command");
checkEqual(server.ports.map((p) => Number(String(p).split(":").at(-1))), [port], "compose's container port");
check(server.volumes.some((v) => (v.target ?? String(v).split(":")[1]) === modelPath), `compose mounts a model at ${modelPath}`);
const composeSecret = compose.secrets[server.secrets[0]];
const composeKeysFile = composeSecret.file.replace(/\$\{[A-Z_]+:-([^}]+)\}/, "$1");
check(existsSync(join(root, composeKeysFile)), `compose's API key file ${composeKeysFile} exists`);
checkEqual(composeFlags.get("--api-keys"), `/run/secrets/${server.secrets[0]}`, "compose passes its secret as --api-keys");
const seconds = (text) => Number(String(text).replace(/s$/, ""));
check(seconds(server.stop_grace_period) > Number(composeFlags.get("--grace")), `stop_grace_period ${server.stop_grace_period} > --grace ${composeFlags.get("--grace")}`);
const prometheus = compose.services.prometheus;
const configFlag = prometheus.command.find((arg) => arg.startsWith("--config.file=")).split("=")[1];
const promMount = prometheus.volumes.map((v) => String(v).split(":")).find(([, target]) => configFlag.startsWith(`${target}/`));
const promConfigPath = join(promMount[0], configFlag.slice(promMount[1].length + 1));
const promConfig = YAML.parse(read(promConfigPath));
const targets = promConfig.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
checkEqual(targets, [`tinygpt:${port}`], `${promConfigPath} scrapes the compose service`);
let promtool = "not found";
try {
  promtool = run("promtool", ["check", "config", join(root, promConfigPath)]).includes("SUCCESS") ? "valid" : "?";
} catch (error) {
  if (!String(error).includes("ENOENT")) throw error;
}

// --- deploy/k8s ------------------------------------------------------------------------------
const k8sFolder = "deploy/k8s";
const objects = readdirSync(join(root, k8sFolder))
  .filter((name) => /\.ya?ml$/.test(name))
  .flatMap((name) => YAML.parseAllDocuments(read(`${k8sFolder}/${name}`)).map((doc) => doc.toJS()))
  .filter(Boolean);
const one = (kind, predicate = () => true) => {
  const found = objects.filter((o) => o.kind === kind && predicate(o));
  checkEqual(found.length, 1, `${kind} objects in ${k8sFolder}`);
  return found[0];
};
const deployment = one("Deployment");
const service = one("Service");
const hpa = one("HorizontalPodAutoscaler");
const secret = one("Secret");
const adapter = one("ConfigMap", (o) => o.metadata.name.includes("adapter"));
const pod = deployment.spec.template.spec;
checkEqual(pod.containers.length, 1, "containers in the pod");
const container = pod.containers[0];
checkEqual(container.command ?? [entrypoint[0]], [entrypoint[0]], "the container runs the image's binary");
checkEqual(container.args[0], "serve", "the container runs tinygpt serve");
// $(VAR) from the container's environment: env, then the ConfigMaps of envFrom.
const environment = {};
for (const source of container.envFrom ?? []) {
  const config = one("ConfigMap", (o) => o.metadata.name === source.configMapRef.name);
  Object.assign(environment, config.data);
}
for (const variable of container.env ?? []) environment[variable.name] = variable.value;
const resolved = container.args.slice(1).map((arg) =>
  String(arg).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name) => {
    check(name in environment, `$(${name}) in the Deployment's args is a key of its ConfigMap`);
    return environment[name];
  }),
);
const k8sFlags = flagsOf(resolved, "Deployment args");
checkEqual(k8sFlags.get("--host"), "0.0.0.0", "the pod listens on every address");
const containerPorts = Object.fromEntries(container.ports.map((p) => [p.name ?? String(p.containerPort), p.containerPort]));
const portOf = (value) => (typeof value === "number" ? value : containerPorts[value]);
checkEqual(Object.values(containerPorts), [port], "containerPort (the image's EXPOSE)");
checkEqual(Number(k8sFlags.get("--port")), port, "the Deployment's --port");
checkEqual(portOf(service.spec.ports[0].targetPort), port, "the Service's targetPort");
for (const [key, value] of Object.entries(service.spec.selector))
  checkEqual(deployment.spec.template.metadata.labels[key], value, `the Service selects the pods (${key})`);
checkEqual(Number(deployment.spec.template.metadata.annotations?.["prometheus.io/port"] ?? port), port, "the scrape annotation's port");
const probes = {};
for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
  const probe = container[kind];
  check(probe?.httpGet, `the container has an HTTP ${kind}`);
  checkEqual(portOf(probe.httpGet.port), port, `${kind}'s port`);
  probes[kind] = probe.httpGet.path;
}
checkEqual(probes.readinessProbe, "/readyz", "readinessProbe path");
checkEqual(probes.livenessProbe, "/healthz", "livenessProbe path");
// Security, resources, grace.
check(pod.securityContext?.runAsNonRoot === true, "runAsNonRoot");
checkEqual(container.securityContext?.readOnlyRootFilesystem, true, "readOnlyRootFilesystem");
checkEqual(container.securityContext?.allowPrivilegeEscalation, false, "allowPrivilegeEscalation");
for (const kind of ["requests", "limits"])
  for (const resource of ["cpu", "memory"]) check(container.resources?.[kind]?.[resource], `resources.${kind}.${resource}`);
const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
const pause = preStop[0] === "sleep" ? Number(preStop[1]) : 0;
const grace = Number(k8sFlags.get("--grace"));
check(pod.terminationGracePeriodSeconds > grace + pause,
  `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} > --grace ${grace} + preStop ${pause}`);
// Volumes: the model at --model, the Secret's key file at --api-keys.
const mountAt = (path) => container.volumeMounts.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
const modelMount = mountAt(k8sFlags.get("--model"));
check(modelMount && pod.volumes.some((v) => v.name === modelMount.name), `a volume mounted at --model ${k8sFlags.get("--model")}`);
const keysPath = k8sFlags.get("--api-keys");
const keysMount = mountAt(keysPath);
const keysVolume = pod.volumes.find((v) => v.name === keysMount?.name);
checkEqual(keysVolume?.secret?.secretName, secret.metadata.name, "--api-keys is a file of the Secret's volume");
const keyName = keysPath.slice(keysMount.mountPath.length + 1);
const keys = secret.stringData?.[keyName] ?? Buffer.from(secret.data?.[keyName] ?? "", "base64").toString();
check(keys && /example/i.test(keys) && /example/i.test(read(`${k8sFolder}/secret.yaml`).split("apiVersion")[0]),
  `the Secret holds ${keyName}, marked as an example`);
// The HPA: autoscaling/v2, Pods metrics only, each exposed by the adapter's rules.
checkEqual(hpa.apiVersion, "autoscaling/v2", "the HPA's API");
checkEqual(hpa.spec.scaleTargetRef.name, deployment.metadata.name, "the HPA scales the Deployment");
checkEqual(hpa.spec.metrics.map((m) => m.type), ["Pods"], "the HPA's metric types (no CPU)");
const metricName = hpa.spec.metrics[0].pods.metric.name;
const rules = YAML.parse(Object.values(adapter.data)[0]).rules;
const rule = rules.find((r) => (r.name?.as ?? r.seriesQuery.match(/^'?([a-z_:]+)/)[1]) === metricName);
check(rule && rule.seriesQuery.includes(metricName), `the adapter's rules expose ${metricName}`);
check(rule.resources.overrides.pod?.resource === "pod", "the adapter's rule maps the pod label to pods");

// --- the live server ---------------------------------------------------------------------
await main("deploy manifests against tinygpt serve", async (context) => {
  const keysFile = join(context.folder, "api-keys");
  writeFileSync(keysFile, keys);
  const exampleKey = keys.split("\n").map(words).find((w) => w.length && !w[0].startsWith("#")).at(-1);
  const local = { "--host": "127.0.0.1", "--port": "0", "--model": modelFolder };
  const runs = [
    ["the Deployment's args", swapFlags(resolved, { ...local, "--api-keys": keysFile })],
    ["the ENTRYPOINT with compose's command", swapFlags(composeArgs, { ...local, "--api-keys": join(root, composeKeysFile) })],
  ];
  const paths = [...new Set([...Object.values(probes), healthUrl.pathname])];
  for (const [label, args] of runs) {
    const started = await context.start(binary, ["serve", ...args]);
    for (const path of paths) {
      const answer = await fetch(`${started.url}${path}`);
      checkEqual(answer.status, 200, `${label}: GET ${path} without a key`);
    }
    checkEqual((await fetch(`${started.url}/v1/models`)).status, 401, `${label}: /v1/models without a key`);
    const models = await fetch(`${started.url}/v1/models`, { headers: { Authorization: `Bearer ${exampleKey}` } });
    checkEqual(models.status, 200, `${label}: /v1/models with the example key`);
    const metrics = await (await fetch(`${started.url}${promConfig.scrape_configs[0].metrics_path}`)).text();
    check(new RegExp(`^${metricName}[ {]`, "m").test(metrics), `${label}: /metrics has ${metricName}`);
    checkEqual(await started.stop(), { code: 0, signal: null }, `${label}: exit status after SIGTERM`);
    console.log(`${label}: ${args.join(" ")}: ${paths.join(", ")} 200`);
  }
  console.log(`flags: ${[...new Set([...entryFlags.keys(), ...composeFlags.keys(), ...k8sFlags.keys()])].join(" ")}`);
  console.log(`port ${port}; grace ${grace} s < ${pod.terminationGracePeriodSeconds} s; HPA on ${metricName}`);
  console.log(`runtime packages: ${runtimePackages}; promtool on ${promConfigPath}: ${promtool}`);
});
