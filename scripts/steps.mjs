// What scripts/test.mjs and scripts/test-node.mjs share: steps that run in their own process
// group under a time limit, the counting of their results, and the closing table whose last
// line is `N passed, M failed`.
import { spawn } from "node:child_process";
import fs from "node:fs";

export function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A Vitest JSON report's counts. A file that fails to load has no failed test in it, but is one failure all the same. */
export function vitestCounts(report) {
  return (
    report && {
      passed: report.numPassedTests ?? 0,
      failed:
        (report.numFailedTests ?? 0) + (report.testResults ?? []).filter((f) => f.status === "failed" && !f.assertionResults?.length).length,
      note:
        report.numPendingTests || report.numTodoTests ? `${(report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)} skipped` : "",
    }
  );
}

/** A Playwright JSON report's counts. Flaky tests passed on a retry; retries are off, but count them as passed if enabled. */
export function playwrightCounts(report) {
  const stats = report?.stats;
  return (
    stats && {
      passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
      failed: (stats.unexpected ?? 0) + (report.errors?.length ?? 0),
      note: stats.skipped ? `${stats.skipped} skipped` : "",
    }
  );
}

/**
 * One runner's steps. `limits` gives each step's minutes at most; all of them share a budget of
 * `budgetMinutes`, so a hung step (a server that never answers) fails the run with a summary
 * instead of holding CI until CI's own limit. `onSignal` cleans up beyond the running step.
 */
export function createSteps({ cwd, env, limits, budgetMinutes, budgetName, banner, stdin = "ignore", onSignal = () => {} }) {
  const budgetEnds = Date.now() + budgetMinutes * 60_000;
  const limitMs = (step) => Math.max(0, Math.min(limits[step] * 60_000, budgetEnds - Date.now()));
  /** One line per step for the closing table. */
  const steps = [];
  const totals = { passed: 0, failed: 0 };
  /** The step running now, so a signal to this runner also ends it (it has its own process group). */
  let current;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      if (current) killGroup(current.pid, "SIGKILL");
      onSignal();
      process.exit(1);
    });
  }

  function record(name, p, f, note = "") {
    totals.passed += p;
    totals.failed += f;
    steps.push({ name, passed: p, failed: f, note });
  }

  /**
   * Runs a step's command in its own process group (servers it starts included) and kills that
   * group if the step outlives its limit. Resolves to `{ code, note, stdout }`: the exit code, or
   * 1 when the command could not start, was killed or timed out, with a note when it timed out or
   * was not started because the budget was spent. stdout is inherited unless `onStdout` takes it
   * or `capture` keeps it (not shown) for the caller.
   */
  function run(step, command, args, { cwd: dir = cwd, env: base = env, extraEnv = {}, onStdout, capture = false } = {}) {
    return new Promise((resolve) => {
      const limit = limitMs(step);
      if (limit === 0) {
        console.error(`Not running ${step}: the time budget${budgetName ? ` of ${budgetName}` : ""} is spent.`);
        return resolve({ code: 1, note: "not run: time budget spent", stdout: "" });
      }
      const piped = Boolean(onStdout) || capture;
      const child = spawn(command, args, {
        cwd: dir,
        env: { ...base, ...extraEnv },
        stdio: [stdin, piped ? "pipe" : "inherit", "inherit"],
        detached: true,
      });
      current = child;
      let stdout = "";
      if (piped) {
        child.stdout.on("data", (chunk) => {
          if (capture) stdout += chunk;
          onStdout?.(chunk);
        });
      }
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        console.error(`\n${step} is still running after ${Math.round(limit / 1000)} s: stopping it.`);
        killGroup(child.pid, "SIGTERM");
        setTimeout(() => killGroup(child.pid, "SIGKILL"), 10_000).unref();
      }, limit);
      const finish = (code) => {
        clearTimeout(timer);
        current = undefined;
        // Nothing a step started may outlive it (a server left behind would hold its port).
        killGroup(child.pid, "SIGKILL");
        resolve({ code, note: timedOut ? `timed out after ${Math.round(limit / 1000)} s` : "", stdout });
      };
      child.on("error", (error) => {
        console.error(`Could not start ${command}: ${error.message}`);
        finish(1);
      });
      child.on("close", (code, signal) => finish(signal || timedOut ? 1 : (code ?? 1)));
    });
  }

  /**
   * Counts a test runner's results. A non-zero exit without any failed test (a crash, a suite
   * that would not load, a server that did not start, a time-out) still counts as one failure.
   * `stepNote` is run()'s (a time-out); `missingNote` says what was missing when nothing was counted.
   */
  function recordRunner(name, code, counts, stepNote, missingNote) {
    if (!counts) {
      record(name, 0, 1, `${stepNote || missingNote} (exit code ${code})`);
      return;
    }
    const extraFailure = code !== 0 && counts.failed === 0 ? 1 : 0;
    const why = stepNote || (extraFailure ? `exit code ${code} without a failed test` : "");
    record(name, counts.passed, counts.failed + extraFailure, [why, counts.note].filter(Boolean).join("; "));
  }

  /** A step that is one test: it passes when the command exits 0. */
  async function single(name, command, args, options) {
    banner(name);
    const started = Date.now();
    const { code, note } = await run(name, command, args, options);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    record(name, code === 0 ? 1 : 0, code === 0 ? 0 : 1, code === 0 ? `${seconds}s` : `${note || `exit code ${code}`}, ${seconds}s`);
    return code === 0;
  }

  /** The closing table and its last line; sets the exit code. */
  function summary(title) {
    banner(title);
    for (const s of steps) {
      const status = s.failed ? "FAIL" : "ok  ";
      console.log(`${status} ${s.name.padEnd(24)} ${String(s.passed).padStart(4)} passed ${String(s.failed).padStart(3)} failed${s.note ? `  (${s.note})` : ""}`);
    }
    console.log(`${totals.passed} passed, ${totals.failed} failed`);
    process.exitCode = totals.failed > 0 ? 1 : 0;
  }

  return { steps, run, record, recordRunner, single, summary };
}
