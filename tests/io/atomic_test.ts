import assert from "node:assert/strict";
import { openAtomicWriter, writeFileAtomic } from "../../lib/io/atomic.ts";
import { osProblem } from "../_helpers/os.ts";

Deno.test("an interrupted save leaves the previous file intact and no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/model.json`;
    await writeFileAtomic(path, new TextEncoder().encode("good"));
    await assert.rejects(
      () =>
        writeFileAtomic(path, new Uint8Array(1000).fill(65), {
          write: async (file, bytes) => {
            await file.write(bytes.subarray(0, 300)); // half-way, then the disk "fails"
            throw new Error("disk full");
          },
        }),
      (e: Error) =>
        e instanceof TypeError && /Cannot write '.*model.json': disk full/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(path), "good");
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["model.json"]);
    await writeFileAtomic(path, new TextEncoder().encode("better"));
    assert.equal(await Deno.readTextFile(path), "better");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openAtomicWriter: nothing appears until commit; abort keeps the previous file", async () => {
  const dir = await Deno.makeTempDir();
  const entries = async () => {
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    return names.sort();
  };
  try {
    const path = `${dir}/out.csv`;
    const text = (s: string) => new TextEncoder().encode(s);
    await Deno.writeTextFile(path, "old\n");
    const w = await openAtomicWriter(path);
    await w.write(text("a\n"));
    await w.write(text("b\n"));
    assert.equal(await Deno.readTextFile(path), "old\n");
    assert.equal((await entries()).length, 2); // out.csv and the temporary file
    await w.commit();
    assert.equal(await Deno.readTextFile(path), "a\nb\n");
    assert.deepEqual(await entries(), ["out.csv"]);
    await assert.rejects(() => w.write(text("c\n")), /the writer is closed/);

    const v = await openAtomicWriter(path);
    await v.write(text("half"));
    await v.abort();
    await v.abort(); // twice is harmless
    assert.equal(await Deno.readTextFile(path), "a\nb\n");
    assert.deepEqual(await entries(), ["out.csv"]);

    await assert.rejects(
      () => openAtomicWriter(`${dir}/missing/out.csv`),
      /the folder '.*missing' does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openAtomicWriter: a failed write removes the temporary file and keeps the previous one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/out.csv`;
    await Deno.writeTextFile(path, "old\n");
    let calls = 0;
    const w = await openAtomicWriter(path, {
      write: async (file, bytes) => {
        if (++calls === 2) throw new Error("disk full");
        await file.write(bytes);
      },
    });
    await w.write(new TextEncoder().encode("a\n"));
    await assert.rejects(
      () => w.write(new TextEncoder().encode("b\n")),
      (e: Error) =>
        e instanceof TypeError && /Cannot write '.*out\.csv': disk full/.test(e.message),
    );
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["out.csv"]);
    assert.equal(await Deno.readTextFile(path), "old\n");
    await assert.rejects(() => w.commit(), /the writer is closed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("abortSync removes the temporary file at once and leaves the destination as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/out.csv`;
    await Deno.writeTextFile(path, "previous\n");
    const writer = await openAtomicWriter(path);
    await writer.write(new TextEncoder().encode("half a file"));
    writer.abortSync();
    writer.abortSync(); // twice is harmless
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.csv"]);
    assert.equal(await Deno.readTextFile(path), "previous\n");
    await assert.rejects(() => writer.write(new Uint8Array(1)), /the writer is closed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const noModes = osProblem("posix", "permission bits and symbolic links are POSIX-only");

Deno.test(
  "a save keeps a file's permissions and a symbolic link, and takes names up to 255 bytes" +
    (noModes ? ` (skipped: ${noModes})` : ""),
  {
    ignore: noModes !== null,
  },
  async () => {
    const dir = await Deno.makeTempDir();
    const text = (s: string) => new TextEncoder().encode(s);
    const entries = async (folder: string) => {
      const names = [];
      for await (const e of Deno.readDir(folder)) names.push(e.name);
      return names.sort();
    };
    try {
      // Permission bits of the file replaced: 0600 stays 0600 (the umask would give 0644).
      const secret = `${dir}/secret.lrc`;
      await Deno.writeTextFile(secret, "old");
      await Deno.chmod(secret, 0o600);
      await writeFileAtomic(secret, text("new"));
      assert.equal((await Deno.stat(secret)).mode! & 0o777, 0o600);
      const w = await openAtomicWriter(secret);
      await w.write(text("newer"));
      await w.commit();
      assert.equal((await Deno.stat(secret)).mode! & 0o777, 0o600);
      assert.equal(await Deno.readTextFile(secret), "newer");
      // A link stays a link; its target gets the bytes.
      await Deno.mkdir(`${dir}/real`);
      await Deno.writeTextFile(`${dir}/real/model.lrc`, "old");
      await Deno.symlink(`${dir}/real/model.lrc`, `${dir}/link.lrc`);
      await writeFileAtomic(`${dir}/link.lrc`, text("through the link"));
      assert.ok((await Deno.lstat(`${dir}/link.lrc`)).isSymlink);
      assert.equal(await Deno.readTextFile(`${dir}/real/model.lrc`), "through the link");
      assert.deepEqual(await entries(`${dir}/real`), ["model.lrc"]);
      // A file name of 250 bytes (the limit is 255) is written, no temporary file left.
      const long = `${dir}/${"m".repeat(246)}.lrc`;
      await writeFileAtomic(long, text("long"));
      assert.equal(await Deno.readTextFile(long), "long");
      assert.deepEqual(await entries(dir), [
        "link.lrc",
        "m".repeat(246) + ".lrc",
        "real",
        "secret.lrc",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("openAtomicWriter refuses a bad path or bytes as writeFileAtomic does", async () => {
  const dir = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  try {
    // An empty path used to open a temporary file in the working folder and fail only at commit.
    Deno.chdir(dir);
    for (const path of ["", 5, undefined]) {
      await assert.rejects(
        () => openAtomicWriter(path as string),
        (e: Error) =>
          e instanceof TypeError &&
          /^Cannot write a file: path must be a non-empty string, got /.test(e.message),
      );
    }
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    // Bytes of the wrong type are refused by name, and the temporary file goes.
    const writer = await openAtomicWriter(`${dir}/out.csv`);
    await assert.rejects(
      () => writer.write("a,b\n" as unknown as Uint8Array),
      (e: Error) =>
        e instanceof TypeError &&
        /^Cannot write '.*out\.csv': bytes must be a Uint8Array, got string "a,b\\n"$/.test(
          e.message,
        ),
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a save whose temporary name is taken fails without removing the other file", async () => {
  // Math.random fixed: both writers draw the same temporary name. The second save used to remove
  // the first writer's temporary file on its way out (its create failed with "File exists"), so
  // the first writer's commit then failed with "No such file or directory" and lost its bytes.
  const dir = await Deno.makeTempDir();
  const random = Math.random;
  try {
    Math.random = () => 0.5;
    const first = await openAtomicWriter(`${dir}/first.csv`);
    await first.write(new TextEncoder().encode("first\n"));
    await assert.rejects(
      () => writeFileAtomic(`${dir}/second.csv`, new TextEncoder().encode("second\n")),
      (e: Error) => e instanceof TypeError && /^Cannot write '.*second\.csv': /.test(e.message),
    );
    Math.random = random;
    await first.commit();
    assert.equal(await Deno.readTextFile(`${dir}/first.csv`), "first\n");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["first.csv"]);
  } finally {
    Math.random = random;
    await Deno.remove(dir, { recursive: true });
  }
});

const noSetUid = osProblem("posix", "set-user-id and sticky bits are POSIX-only");

Deno.test(
  "a save keeps the set-user-id and sticky bits with the other permission bits" +
    (noSetUid ? ` (skipped: ${noSetUid})` : ""),
  { ignore: noSetUid !== null },
  async () => {
    // Documented: a file already there keeps its permission bits, all 12 of them (0o7777), not
    // only the 9 read/write/execute ones. The owner may set both bits on its own file.
    const dir = await Deno.makeTempDir();
    try {
      for (const mode of [0o4751, 0o1640]) {
        const path = `${dir}/tool-${mode.toString(8)}`;
        await Deno.writeTextFile(path, "old");
        await Deno.chmod(path, mode);
        await writeFileAtomic(path, new TextEncoder().encode("new"));
        assert.equal((await Deno.stat(path)).mode! & 0o7777, mode, "writeFileAtomic");
        const w = await openAtomicWriter(path);
        await w.write(new TextEncoder().encode("newer"));
        await w.commit();
        assert.equal((await Deno.stat(path)).mode! & 0o7777, mode, "openAtomicWriter");
        assert.equal(await Deno.readTextFile(path), "newer");
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("a temporary file removed by another process before the rename is said as such, not as a missing folder", async () => {
  // Only the create of the temporary file fails for a missing folder; a NotFound from the rename
  // (the file gone) was reported as "the folder '...' does not exist", though it exists.
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/model.lrc`;
    await assert.rejects(
      () =>
        writeFileAtomic(path, new Uint8Array(10), {
          write: async (file, bytes) => {
            await file.write(bytes);
            for await (const entry of Deno.readDir(dir)) {
              if (entry.name.startsWith(".lrc-tmp-")) await Deno.remove(`${dir}/${entry.name}`);
            }
          },
        }),
      (e: Error) =>
        e instanceof TypeError && e.message.startsWith(`Cannot write '${path}': `) &&
        !/folder/.test(e.message) && e.cause instanceof Deno.errors.NotFound,
    );
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// A folder that exists but takes no new file: read-only for a user (mode 0o555), or, for root,
// whom modes do not stop, /proc (procfs answers a create with NotFound, which was said as "the
// folder '/proc' does not exist").
const unwritable = Deno.build.os === "windows"
  ? null
  : Deno.uid() !== 0
  ? { kind: "read-only", reason: /Permission denied \(os error 13\)/ }
  : (await Deno.stat("/proc").then((s) => s.isDirectory, () => false))
  ? { kind: "proc", reason: /No such file or directory \(os error 2\)/ }
  : null;

Deno.test({
  name:
    "a folder that exists but takes no new file is said so with the system's reason, not as missing" +
    (unwritable === null
      ? " (skipped: neither a read-only folder nor /proc can be had on this system)"
      : ` (${unwritable.kind})`),
  ignore: unwritable === null,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      let folder = "/proc";
      if (unwritable!.kind === "read-only") {
        folder = `${dir}/read-only`;
        await Deno.mkdir(folder);
        await Deno.chmod(folder, 0o555);
      }
      const path = `${folder}/r.html`;
      const check = (e: Error) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.ok(e.message.startsWith(`Cannot write '${path}': `), e.message);
        assert.doesNotMatch(e.message, /does not exist/);
        assert.match(e.message, unwritable!.reason);
        if (unwritable!.kind === "proc") {
          assert.match(e.message, /the folder '\/proc' exists but takes no new file: /);
        }
        return true;
      };
      await assert.rejects(() => writeFileAtomic(path, new Uint8Array(3)), check);
      await assert.rejects(() => openAtomicWriter(path), check);
      await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
      // A folder that is missing is still said so.
      await assert.rejects(
        () => writeFileAtomic(`${dir}/missing/r.html`, new Uint8Array(3)),
        new RegExp(
          `^TypeError: Cannot write '.*/missing/r\\.html': the folder '.*/missing' does not exist$`,
        ),
      );
      if (unwritable!.kind === "read-only") await Deno.chmod(folder, 0o755);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("concurrent saves of one path all succeed, one of them whole at the end", async () => {
  // Each save has its own temporary file: saves racing to one path (or to files of one folder)
  // neither fail on each other's temporary name nor leave one behind, and the file ends as one
  // complete save's bytes, never a mix.
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/model.lrc`;
    const contents = Array.from({ length: 24 }, (_, i) => String.fromCharCode(65 + i).repeat(5000));
    const saves = contents.map((text) => writeFileAtomic(path, new TextEncoder().encode(text)));
    const writer = await openAtomicWriter(path);
    await writer.write(new TextEncoder().encode("z".repeat(5000)));
    saves.push(writer.commit());
    const results = await Promise.allSettled(saves);
    assert.deepEqual(results.filter((r) => r.status === "rejected"), []);
    assert.ok([...contents, "z".repeat(5000)].includes(await Deno.readTextFile(path)));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["model.lrc"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the bytes are flushed to disk before the temporary file is renamed", async () => {
  // Without the flush a crash after the rename can leave an empty or partial file at the path on
  // file systems that order the rename before the data (ext4 with delalloc, XFS).
  const dir = await Deno.makeTempDir();
  const sync = Deno.FsFile.prototype.sync;
  const rename = Deno.rename;
  const events: string[] = [];
  try {
    Deno.FsFile.prototype.sync = function () {
      events.push("sync");
      return sync.call(this);
    };
    // deno-lint-ignore no-explicit-any
    (Deno as any).rename = (from: string, to: string) => {
      events.push("rename");
      return rename(from, to);
    };
    await writeFileAtomic(`${dir}/a`, new TextEncoder().encode("a"));
    const writer = await openAtomicWriter(`${dir}/b`);
    await writer.write(new TextEncoder().encode("b"));
    await writer.commit();
    assert.deepEqual(events, ["sync", "rename", "sync", "rename"]);
    assert.equal(await Deno.readTextFile(`${dir}/a`), "a");
    assert.equal(await Deno.readTextFile(`${dir}/b`), "b");
  } finally {
    Deno.FsFile.prototype.sync = sync;
    // deno-lint-ignore no-explicit-any
    (Deno as any).rename = rename;
    await Deno.remove(dir, { recursive: true });
  }
});

const noFifo = osProblem("posix", "FIFOs and mkfifo are POSIX-only");

Deno.test(
  "a save to a FIFO, or to a link to one, is refused and leaves it in place" +
    (noFifo ? ` (skipped: ${noFifo})` : ""),
  { ignore: noFifo !== null },
  async () => {
    // The rename would replace the FIFO (or `/dev/null`, `/dev/stdout` into a pipe) with a
    // regular file: `--out /dev/null` run as root replaced the system's /dev/null.
    const dir = await Deno.makeTempDir();
    try {
      const fifo = `${dir}/fifo`;
      assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
      await Deno.symlink(fifo, `${dir}/link`);
      for (const path of [fifo, `${dir}/link`]) {
        await assert.rejects(
          () => writeFileAtomic(path, new TextEncoder().encode("x")),
          (e: Error) =>
            e instanceof TypeError &&
            e.message === `Cannot write '${path}': it is a FIFO, not a regular file, and a ` +
                "save would replace it with one",
        );
        await assert.rejects(() => openAtomicWriter(path), /it is a FIFO, not a regular file/);
      }
      assert.ok((await Deno.lstat(fifo)).isFifo);
      assert.ok((await Deno.lstat(`${dir}/link`)).isSymlink);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["fifo", "link"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

const noProcFd = osProblem("linux", "/proc/self/fd is Linux-only");

Deno.test(
  "a save to a link to a pipe, as /dev/stdout is when piped, is refused, not replaced" +
    (noProcFd ? ` (skipped: ${noProcFd})` : ""),
  { ignore: noProcFd !== null },
  async () => {
    // The link is to /proc/self/fd/1, which reads as `pipe:[...]`: realPath cannot resolve it,
    // and the link was taken for a dangling one and replaced by a regular file.
    const dir = await Deno.makeTempDir();
    try {
      const script = `${dir}/save.ts`;
      await Deno.writeTextFile(
        script,
        `import { writeFileAtomic } from ${
          JSON.stringify(import.meta.resolve("../../lib/io/atomic.ts"))
        };\n` +
          `await Deno.symlink("/proc/self/fd/1", ${JSON.stringify(`${dir}/out`)});\n` +
          `try {\n  await writeFileAtomic(${JSON.stringify(`${dir}/out`)}, new Uint8Array(1));\n` +
          `  console.error("written");\n} catch (e) {\n  console.error(e.message);\n}\n`,
      );
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", "--no-lock", script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.match(
        new TextDecoder().decode(run.stderr),
        /^Cannot write '.*\/out': it is a FIFO, not a regular file/,
      );
      assert.ok((await Deno.lstat(`${dir}/out`)).isSymlink);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
