"""`stackmff-nb serve` as a user runs it: real processes, a real socket, real files (lesson 20)."""
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from skimage import data as skdata

from stackmff_nb.io import write_image
from stackmff_nb.synth import depth_slanted, layered_stack

EXE = str(Path(sys.executable).parent / "stackmff-nb")
pytestmark = pytest.mark.skipif(not hasattr(__import__("socket"), "send_fds"), reason="the server needs a Unix system")

def stack(folder: Path, n=6, size=256) -> Path:
    img = skdata.astronaut()[:size, :size]
    frames, _ = layered_stack(img, depth_slanted(size, size, np.random.default_rng(0)), n)
    folder.mkdir(parents=True)
    for k, f in enumerate(frames): write_image(folder / f"{k}.png", f)
    return folder

@pytest.fixture
def server(tmp_path):
    "A detached server on a socket of its own; stopped (or found gone) at the end."
    tmp_path.chmod(0o700)
    env = {**os.environ, "STACKMFF_NB_SOCKET": str(tmp_path / "s.sock")}
    r = subprocess.run([EXE, "serve", "--detach", "--idle", "300"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "serving at" in r.stderr, r.stderr
    yield env, tmp_path / "s.log"
    subprocess.run([EXE, "serve", "--stop"], env=env, capture_output=True)

def log_lines(log: Path) -> list: return [l for l in log.read_text().splitlines() if ": exit " in l]

def digest(p: Path) -> str: return hashlib.sha256(p.read_bytes()).hexdigest()

def test_a_command_runs_in_the_server_with_the_clients_folder_and_streams(tmp_path, server):
    env, log = server
    src = stack(tmp_path / "in")
    here = subprocess.run([EXE, "fuse", "in", "-o", "here"], cwd=tmp_path, capture_output=True, text=True,
                          env={**env, "STACKMFF_NB_SOCKET": str(tmp_path / "none.sock")})
    there = subprocess.run([EXE, "fuse", "in", "-o", "there"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert here.returncode == there.returncode == 0, there.stderr
    assert len(log_lines(log)) == 1 and "fuse in -o there: exit 0" in log_lines(log)[0]    # the server ran it, not the client
    assert "fused 6 frames of 256x256" in there.stdout and str(tmp_path / "there") in there.stdout   # the client's stdout, its folder
    for name in ("fused.png", "index.npy", "focus.tif", "confidence.tif"):
        assert digest(tmp_path / "here" / name) == digest(tmp_path / "there" / name), name
    again = subprocess.run([EXE, "fuse", str(src), "-o", str(tmp_path / "there")], capture_output=True, text=True, env=env)
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "fused.png: exists" in again.stderr   # refusals as without it
    bad = subprocess.run([EXE, "fuse", "--no-such-option"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "arguments are required" in bad.stderr
    assert "serve" in subprocess.run([EXE, "--help"], capture_output=True, text=True, env=env).stdout

def test_ctrl_c_interrupts_the_command_not_the_server(tmp_path, server):
    env, log = server
    src = stack(tmp_path / "big", n=32, size=512)                          # about 3 s of work on 2 cores
    p = subprocess.Popen([EXE, "fuse", str(src), "-o", str(tmp_path / "cut")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0); p.send_signal(signal.SIGINT)
    assert p.wait(timeout=60) == 130
    for _ in range(600):                                                     # the server finishes the step it is in, then stops the command
        if log_lines(log): break
        time.sleep(0.1)
    assert ": exit 130" in log_lines(log)[-1]
    assert not list(tmp_path.glob("cut/.tmp-*"))                            # nothing half-written
    ok = subprocess.run([EXE, "fuse", str(stack(tmp_path / "small", n=3, size=64)), "-o", str(tmp_path / "next"), "-q"],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and (tmp_path / "next" / "fused.png").is_file() and ": exit 0" in log_lines(log)[-1]

def test_stop_removes_the_socket_and_commands_run_here_again(tmp_path, server):
    env, log = server
    r = subprocess.run([EXE, "serve", "--stop"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "stopped the server" in r.stderr
    for _ in range(100):
        if not (tmp_path / "s.sock").exists(): break
        time.sleep(0.05)
    assert not (tmp_path / "s.sock").exists()
    r = subprocess.run([EXE, "fuse", str(stack(tmp_path / "in", n=3, size=64)), "-o", str(tmp_path / "o"), "-q"], env=env, capture_output=True)
    assert r.returncode == 0 and not log_lines(log)                        # ran in its own process
    r = subprocess.run([EXE, "serve", "--stop"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "no server listens" in r.stderr

def test_a_second_server_and_a_shared_folder_are_refused(tmp_path, server):
    env, _ = server
    for extra in ([], ["--detach"]):
        r = subprocess.run([EXE, "serve", *extra], env=env, capture_output=True, text=True)
        assert r.returncode == 2 and "a server already listens there" in r.stderr
    shared = tmp_path / "shared"; shared.mkdir(); shared.chmod(0o777)
    r = subprocess.run([EXE, "serve"], env={**env, "STACKMFF_NB_SOCKET": str(shared / "s.sock")}, capture_output=True, text=True)
    assert r.returncode == 2 and "not a private folder of this user" in r.stderr

def test_a_stale_socket_is_ignored(tmp_path):
    "A server killed without cleaning up leaves its socket file: the program runs the command itself."
    import socket
    tmp_path.chmod(0o700)
    s = socket.socket(socket.AF_UNIX); s.bind(str(tmp_path / "s.sock")); s.close()   # a socket file no one listens at
    r = subprocess.run([EXE, "fuse", str(stack(tmp_path / "in", n=3, size=64)), "-o", str(tmp_path / "o"), "-q"],
                       env={**os.environ, "STACKMFF_NB_SOCKET": str(tmp_path / "s.sock")}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_a_stranger_on_the_socket_does_not_stop_the_server(tmp_path, server):
    import socket
    env, log = server
    for junk in (b"", b"not json\n", b"C{\"argv\": 3}\n"):
        with socket.socket(socket.AF_UNIX) as s: s.connect(env["STACKMFF_NB_SOCKET"]); s.sendall(junk)
    r = subprocess.run([EXE, "fuse", str(stack(tmp_path / "in", n=3, size=64)), "-o", str(tmp_path / "o"), "-q"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert len(log_lines(log)) == 1 and ": exit 0" in log_lines(log)[0]
