"""The documentation's examples: every output the docs show, with the command that writes it.

`docs/examples.toml` lists them; each page that shows one names its command beside it and
includes the file the command wrote (MkDocs snippets), so nothing is copied by hand. An example
is checked in one of two ways:

- `rerun` (seconds): the tests run its command again, at its stated size and seed, with its
  `--out` moved to a scratch folder, and compare every file it writes (and what it prints, when
  the page shows that) with the committed one, byte for byte;
- `recorded` (minutes to hours of computing): the tests check that its command still parses,
  that its outputs exist, and that they, and the files they were made from (`inputs`), are the
  ones recorded in `docs/examples.lock.json` when the command last ran. Changing a scenario or
  a design file that an example was made from, the model's code (`model/**/*.py`, fingerprinted
  for every recorded example, for each of them runs the model), or editing an output by hand,
  fails the tests until the command is run again.

An expensive example whose inputs changed and that could not be run again yet may be declared
`outdated = "why"` in the registry. It is then shown as such, not hidden: every page that shows
its outputs must carry the warning `Outdated example: NAME` (with the reason), `partage docs
check` lists it, and its outputs must still be the ones its command wrote (no hand edit).

`regenerate` runs the commands (every one, or those named) from the repository's root, copies
what they wrote where the docs read it, and records the hashes. Commands are `partage ...` or
`python -m ...`, run with this interpreter; nothing is passed through a shell.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from experiments.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "docs" / "examples.toml"
LOCK = ROOT / "docs" / "examples.lock.json"
CHECKS = ("rerun", "recorded")
MODEL_CODE = "model/**/*.py"  # the model's code: every recorded example was made by running it


@dataclass(frozen=True)
class Copy:
    """Files a command writes under `results/` that the docs keep: `source/pattern` to `target`
    (a folder, or a file name when one file is copied)."""

    source: str
    target: str
    files: tuple[str, ...]

    def pairs(self, root: Path = ROOT) -> list[tuple[Path, Path]]:
        found = sorted(
            {
                Path(p)
                for pattern in self.files
                for p in glob.glob(str(root / self.source / pattern))
            }
        )
        target = root / self.target
        if len(self.files) == 1 and "*" not in self.files[0]:
            return [(path, target) for path in found]
        return [(path, target / path.name) for path in found]

    def targets(self, root: Path = ROOT) -> list[Path]:
        target = root / self.target
        if len(self.files) == 1 and "*" not in self.files[0]:
            return [target]
        return sorted({Path(p) for pattern in self.files for p in glob.glob(str(target / pattern))})


@dataclass(frozen=True)
class Example:
    """One example: the command, where its output goes, and how the tests check it."""

    name: str
    command: str
    check: str
    stdout: str | None = None
    inputs: tuple[str, ...] = ()
    copies: tuple[Copy, ...] = ()
    outputs_listed: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    outdated: str | None = None

    @property
    def words(self) -> list[str]:
        return shlex.split(self.command)

    def commands(self) -> list[Example]:
        """The commands to run, in order: those `before`, then this one."""
        first = [Example(f"{self.name} (before)", command, "rerun") for command in self.before]
        return [*first, self]

    @property
    def out(self) -> str | None:
        """The value of the command's `--out`, if it has one."""
        words = self.words
        for index, word in enumerate(words):
            if word == "--out" and index + 1 < len(words):
                return words[index + 1]
            if word.startswith("--out="):
                return word.removeprefix("--out=")
        return None

    def argv(self, out_root: Path | None = None) -> list[str]:
        """The command as arguments for this interpreter; `--out` moved under `out_root` if given."""
        words = self.words
        if out_root is not None and self.out is not None:
            at = words.index("--out") + 1
            words[at] = str(out_root / self.out)
        if words[0] == "partage":
            return [sys.executable, "-m", "cli", *words[1:]]
        if words[0] == "python":
            return [sys.executable, *words[1:]]
        raise UserError(f"{REGISTRY.name}: {self.name}: a command starts with partage or python")

    def partage_arguments(self) -> list[str] | None:
        """The arguments after `partage`, for the command-line parser; None for `python -m`."""
        words = self.words
        return words[1:] if words[0] == "partage" else None

    def outputs(self, root: Path = ROOT) -> list[Path]:
        """Every file the docs read from this example, relative to `root`."""
        if self.copies and not self.outputs_listed:
            files = [path for copy in self.copies for path in copy.targets(root)]
            return files + ([root / self.stdout] if self.stdout else [])
        names = list(self.outputs_listed)
        if not names and self.out is not None and not self.stdout:
            names = [self.out]  # an example shown by what it prints keeps its files in results/
        files: list[Path] = []
        for name in names:
            path = root / name
            files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        if self.stdout:
            files.append(root / self.stdout)
        return files

    def input_files(self, root: Path = ROOT) -> list[Path]:
        found = {Path(p) for pattern in self.inputs for p in glob.glob(str(root / pattern))}
        return sorted(found)


def load_examples(registry: Path = REGISTRY) -> list[Example]:
    """Read the registry; a malformed entry is one line naming the field."""
    table = tomllib.loads(registry.read_text(encoding="utf-8"))
    examples = []
    for index, entry in enumerate(table.get("example", [])):
        where = f"{registry.name}: example {index + 1}"
        for key in ("name", "command", "check"):
            if not isinstance(entry.get(key), str):
                raise UserError(f"{where}: {key} is required (a text)")
        if entry["check"] not in CHECKS:
            raise UserError(f"{where}: check = {entry['check']!r}; allowed: {', '.join(CHECKS)}")
        outdated = entry.get("outdated")
        if outdated is not None and (entry["check"] != "recorded" or not isinstance(outdated, str)):
            raise UserError(f"{where}: outdated is a text, and only for a recorded example")
        examples.append(
            Example(
                name=entry["name"],
                command=" ".join(entry["command"].split()),
                check=entry["check"],
                stdout=entry.get("stdout"),
                inputs=tuple(entry.get("inputs", ())),
                copies=tuple(
                    Copy(copy["from"], copy["to"], tuple(copy["files"]))
                    for copy in entry.get("copy", ())
                ),
                outputs_listed=tuple(entry.get("outputs", ())),
                before=tuple(" ".join(command.split()) for command in entry.get("before", ())),
                outdated=outdated,
            )
        )
    names = [example.name for example in examples]
    if len(set(names)) != len(names):
        raise UserError(f"{registry.name}: two examples share a name")
    return examples


def digest(paths: list[Path], root: Path = ROOT) -> str:
    """One SHA-256 over the files' paths (relative to `root`) and contents."""
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.relative_to(root).as_posix().encode())
        hasher.update(b"\0")
        hasher.update(path.read_bytes())
        hasher.update(b"\0")
    return hasher.hexdigest()


def model_files(root: Path = ROOT) -> list[Path]:
    """The model's code, whose fingerprint the lock keeps beside each recorded example."""
    return sorted(Path(p) for p in glob.glob(str(root / MODEL_CODE), recursive=True))


def read_lock(lock: Path = LOCK) -> dict:
    return json.loads(lock.read_text(encoding="utf-8")) if lock.exists() else {}


def record(examples: list[Example], lock: Path = LOCK, root: Path = ROOT) -> None:
    """Record the hashes of the examples' inputs and outputs as they are now."""
    recorded = read_lock(lock)
    for example in examples:
        missing = [p for p in example.outputs(root) if not p.exists()]
        if missing:
            raise UserError(f"{example.name}: {missing[0].relative_to(root)} does not exist")
        recorded[example.name] = {
            "command": example.command,
            "inputs": digest(example.input_files(root), root),
            "model": digest(model_files(root), root),
            "outputs": digest(example.outputs(root), root),
        }
    lock.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def run(example: Example, out_root: Path | None = None, cwd: Path = ROOT) -> str:
    """Run the example's command; return what it printed (its `--out` written under `out_root`)."""
    if out_root is not None and example.out is not None:
        (out_root / example.out).parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        example.argv(out_root), cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise UserError(
            f"{example.name}: `{example.command}` failed ({done.returncode}): "
            f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}"
        )
    return done.stdout


def regenerate(examples: list[Example], echo=print) -> None:
    """Run each example's command from the repository's root, copy its files, record hashes."""
    for example in examples:
        for step in example.commands():
            echo(f"{example.name}: {step.command}")
            printed = run(step)
        if example.stdout:
            (ROOT / example.stdout).write_text(printed, encoding="utf-8")
        copy_outputs(example)
    record([example for example in examples if example.check == "recorded"])


def copy_outputs(example: Example, root: Path = ROOT) -> None:
    """Copy the files the example's command wrote under `results/` to where the docs keep them."""
    for copy in example.copies:
        pairs = copy.pairs(root)
        if not pairs:
            raise UserError(f"{example.name}: nothing to copy from {copy.source}")
        for source, target in pairs:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(published(source, root))


def published(source: Path, root: Path = ROOT) -> bytes:
    """A file as the docs keep it: a JSON file's paths inside the repository written relative to
    it (a manifest records the design's absolute path, which names the machine it ran on)."""
    data = source.read_bytes()
    if source.suffix != ".json":
        return data

    def relative(value):
        if isinstance(value, dict):
            return {key: relative(item) for key, item in value.items()}
        if isinstance(value, list):
            return [relative(item) for item in value]
        if (
            isinstance(value, str)
            and Path(value).is_absolute()
            and Path(value).is_relative_to(root)
        ):
            return Path(value).relative_to(root).as_posix()
        return value

    return (json.dumps(relative(json.loads(data)), indent=2) + "\n").encode()


def rerun_problems(example: Example, scratch: Path) -> list[str]:
    """Run a `rerun` example into `scratch`; the files that differ from the committed ones. An
    example shown by what it prints writes where its command says (under `results/`), for the
    folder it names is part of what it prints."""
    printed = run(example, out_root=None if example.stdout else scratch)
    problems = []
    if example.stdout:
        committed = (ROOT / example.stdout).read_text(encoding="utf-8")
        if printed != committed:
            problems.append(f"{example.stdout}: the command now prints something else")
    for committed in example.outputs():
        if example.stdout and committed == ROOT / example.stdout:
            continue
        fresh = scratch / committed.relative_to(ROOT)
        if not fresh.exists():
            problems.append(f"{committed.relative_to(ROOT)}: no longer written")
        elif fresh.read_bytes() != committed.read_bytes():
            problems.append(f"{committed.relative_to(ROOT)}: differs from what the code writes")
    return problems


def recorded_problems(example: Example, lock: Path = LOCK, root: Path = ROOT) -> list[str]:
    """For a `recorded` example: outputs missing, or its inputs, the model's code or its outputs
    changed since recorded."""
    outputs = example.outputs(root)
    missing = [str(p.relative_to(root)) for p in outputs if not p.exists()]
    if missing:
        return [f"{name}: missing" for name in missing]
    entry = read_lock(lock).get(example.name)
    if entry is None:
        return ["never recorded"]
    problems = []
    if entry["command"] != example.command:
        problems.append("its command changed since its outputs were made")
    if example.outdated is None and entry["inputs"] != digest(example.input_files(root), root):
        problems.append("a file it was made from changed since (" + ", ".join(example.inputs) + ")")
    if example.outdated is None and entry.get("model") != digest(model_files(root), root):
        problems.append(f"the model's code changed since its outputs were made ({MODEL_CODE})")
    if entry["outputs"] != digest(outputs, root):
        problems.append("its outputs changed since they were recorded (edited by hand?)")
    if example.outdated is not None:
        problems += [
            f"{page}: shows it without the warning `{outdated_warning(example)}`"
            for page in pages_without_warning(example, root)
        ]
    return problems


def outdated_warning(example: Example) -> str:
    return f"Outdated example: {example.name}"


def pages_showing(example: Example, root: Path = ROOT) -> list[Path]:
    """The documentation pages that show or link one of the example's outputs."""
    docs = root / "docs"
    names = set()
    for output in example.outputs(root):
        names |= {output.relative_to(root).as_posix(), output.relative_to(docs).as_posix()}
        names.add(output.parent.relative_to(docs).as_posix() + "/")
    pages = []
    for page in sorted(docs.rglob("*.md")):
        if page in example.outputs(root):
            continue
        text = page.read_text(encoding="utf-8")
        here = {
            (page.parent / link).resolve().relative_to(docs.resolve()).as_posix()
            for link in re.findall(r"\]\(([^)#\s]+)", text)
            if not link.startswith(("http:", "https:"))
            and (page.parent / link).resolve().is_relative_to(docs.resolve())
        }
        if names & here or any(name in text for name in names if not name.endswith("/")):
            pages.append(page)
    return pages


def pages_without_warning(example: Example, root: Path = ROOT) -> list[str]:
    warning = outdated_warning(example)
    return [
        str(page.relative_to(root))
        for page in pages_showing(example, root)
        if warning not in page.read_text(encoding="utf-8")
    ]
