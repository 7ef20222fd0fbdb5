#!/usr/bin/python3
"""Debian's python3-docker (the docker SDK for Python) against hutch's API
service: each subcommand is one step of api_python.bats and prints what
the suite asserts on; a failed expectation raises (non-zero exit).

    api_python.py STEP IMAGE [NAME]
"""
import sys
import time

import docker


def client():
    # DOCKER_HOST from the environment; version="auto" negotiates it
    return docker.from_env(version="auto", timeout=60)


def step_version(c, image, name):
    v = c.version()
    print("api", c.api.api_version, "server", v["ApiVersion"], "ping", c.ping())


def step_images(c, image, name):
    img = c.images.pull(image)
    print("pulled", img.id.startswith("sha256:"), image in img.tags)
    print("listed", any(image in i.tags for i in c.images.list()))
    got = c.images.get(image)
    print("get", got.id == img.id, got.attrs["Os"], got.attrs["Config"]["WorkingDir"])
    try:
        c.images.get("no/such/image:here")
    except docker.errors.ImageNotFound as e:
        print("missing image", type(e).__name__, e.status_code)


def step_run(c, image, name):
    out = c.containers.run(image, ["sh", "-c", "echo out-$X; echo err >&2"],
                           environment={"X": "sdk"}, network_mode="none", remove=True)
    print("run", out.decode().strip())
    try:
        c.containers.run(image, ["sh", "-c", "exit 3"], network_mode="none", remove=True)
    except docker.errors.ContainerError as e:
        print("failed run", e.exit_status)


def step_detach(c, image, name):
    ctr = c.containers.run(image, ["sh", "-c", "echo started; exec sleep 60"], detach=True,
                           name=name, labels={"suite": "api-python"}, network_mode="none")
    ctr.reload()
    print("detached", ctr.name, ctr.status, ctr.labels["suite"])
    ids = [x.id for x in c.containers.list(filters={"label": "suite=api-python"})]
    print("listed by label", ctr.id in ids)
    print("listed by name", [x.name for x in c.containers.list(filters={"name": name})])
    got = c.containers.get(name)
    print("get", got.id == ctr.id, got.attrs["Config"]["Image"] == image)
    wait_logs(got, b"started")
    print("logs", got.logs().decode().strip())
    try:
        c.containers.create(image, ["true"], name=name)
    except docker.errors.APIError as e:
        print("conflict", e.status_code, type(e).__name__)
    try:
        got.remove()
    except docker.errors.APIError as e:
        print("remove running", e.status_code)
    got.stop(timeout=1)
    got.reload()
    print("stopped", got.status)
    got.remove()
    try:
        c.containers.get(name)
    except docker.errors.NotFound as e:
        print("removed", e.status_code, type(e).__name__)


def wait_logs(ctr, want):
    import time
    for _ in range(50):
        if want in ctr.logs():
            return
        time.sleep(0.1)


def step_create(c, image, name):
    ctr = c.containers.create(image, ["sh", "-c", "echo created-$$ >/dev/null; echo hi"],
                              name=name, network_mode="none")
    print("created", ctr.status)
    print("in all", name in [x.name for x in c.containers.list(all=True)])
    print("not running", name in [x.name for x in c.containers.list()])
    ctr.start()
    print("exit", ctr.wait()["StatusCode"])
    print("logs", ctr.logs().decode().strip())
    print("exited list", [x.name for x in c.containers.list(all=True,
                                                              filters={"status": "exited"})])
    ctr.remove()


def step_networks(c, image, name):
    net = c.networks.create(name, driver="bridge", labels={"suite": "api-python"})
    print("network", net.name, net.attrs["Labels"]["suite"])
    print("listed", [n.name for n in c.networks.list(names=[name])])
    print("by label", [n.name for n in c.networks.list(filters={"label": "suite=api-python"})])
    a = c.containers.run(image, ["sleep", "60"], detach=True, name=name + "-a", network=name)
    b = c.containers.run(image, ["sleep", "60"], detach=True, name=name + "-b",
                         network_mode="none")
    try:
        net.reload()
        print("members", sorted(x.name for x in net.containers))
        try:
            net.connect(b)
        except docker.errors.APIError as e:
            # docker refuses to connect a --network none container, so does hutch
            print("connect none", e.status_code)
        b.remove(force=True)
        b = c.containers.create(image, ["sh", "-c", "ping -c1 -W2 %s-a" % name],
                                name=name + "-b")
        net.connect(b, aliases=["other"])
        b.start()
        print("ping exit", b.wait()["StatusCode"])
        try:
            net.remove()
        except docker.errors.APIError as e:
            print("remove in use", e.status_code)
    finally:
        a.remove(force=True)
        b.remove(force=True)
    net.remove()
    try:
        c.networks.get(name)
    except docker.errors.NotFound as e:
        print("network gone", e.status_code)


def step_volumes(c, image, name):
    vol = c.volumes.create(name, labels={"suite": "api-python"})
    print("volume", vol.name, vol.attrs["Driver"], vol.attrs["Labels"]["suite"])
    print("listed", [v.name for v in c.volumes.list(filters={"label": "suite=api-python"})])
    print("by name", [v.name for v in c.volumes.list(filters={"name": name})])
    out = c.containers.run(image, ["sh", "-c", "echo kept >/v/f; cat /v/f"],
                           volumes={name: {"bind": "/v", "mode": "rw"}},
                           network_mode="none", remove=True)
    print("used", out.decode().strip())
    c.volumes.get(name).remove()
    try:
        c.volumes.get(name)
    except docker.errors.NotFound as e:
        print("volume gone", e.status_code)


def step_exec(c, image, name):
    ctr = c.containers.run(image, ["sleep", "60"], detach=True, name=name, network_mode="none")
    print("exec_run", ctr.exec_run("echo hi"))
    print("exit", ctr.exec_run(["sh", "-c", "echo out; echo err >&2; exit 4"]).exit_code)
    res = ctr.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
    print("demux", res.exit_code, res.output)
    res = ctr.exec_run(["sh", "-c", "echo a; sleep 0.2; echo b"], stream=True)
    print("stream", b"".join(res.output))
    print("env user workdir", ctr.exec_run("sh -c 'echo $K $(id -u) $(pwd)'", environment=["K=V"],
                                            user="1000", workdir="/tmp").output)
    print("tty", ctr.exec_run("tty", tty=True).output.startswith(b"/dev/pts/"))
    eid = c.api.exec_create(ctr.id, ["sh", "-c", "exit 6"])["Id"]
    c.api.exec_start(eid, detach=True)
    for _ in range(50):
        info = c.api.exec_inspect(eid)
        if not info["Running"] and info["ExitCode"] is not None:
            break
        time.sleep(0.1)
    print("inspect", info["ExitCode"], info["ContainerID"] == ctr.id, info["ProcessConfig"]["entrypoint"])
    try:
        c.api.exec_inspect("0" * 64)
    except docker.errors.NotFound as e:
        print("no exec", e.status_code)
    ctr.stop(timeout=1)
    try:
        ctr.exec_run("true")
    except docker.errors.APIError as e:
        print("stopped", e.status_code)
    ctr.remove()


def step_errors(c, image, name):
    for what, fn in (("container", lambda: c.containers.get("no-such-ctr")),
                     ("network", lambda: c.networks.get("no-such-net")),
                     ("volume", lambda: c.volumes.get("no-such-vol"))):
        try:
            fn()
        except docker.errors.NotFound as e:
            print(what, e.status_code, e.explanation)
    try:
        bad = c.api._post_json(c.api._url("/containers/create"), data={"Image": 5})
        c.api._result(bad, json=True)
    except docker.errors.APIError as e:
        print("bad request", e.status_code, type(e).__name__)
    try:
        c.api._result(c.api._get(c.api.base_url + "/v1.99/version"), json=True)
    except docker.errors.APIError as e:
        print("too new", e.status_code, e.explanation)


if __name__ == "__main__":
    step, image = sys.argv[1], sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else "sdk"
    globals()["step_" + step](client(), image, name)
