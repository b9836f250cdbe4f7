# JupyterHub for Sagssim: local Unix users, nbgrader's multi-course setup.
#
# Follows nbgrader's "Using nbgrader with JupyterHub" (multiple classes, multiple graders):
#   - group `formgrade-<course>` = the course's graders, group `nbgrader-<course>` = its students;
#   - one shared exchange root for every course (global nbgrader config, see nbgrader_config.py here);
#   - the course's formgrader runs as a hub-managed service, as the grader's Unix user, in the course dir;
#   - nbgrader's JupyterHubAuthPlugin reads the groups to decide who sees which course.
#
# Every site-specific value comes from an environment variable with a production default,
# so `deploy/jupyterhub/run_demo.py` (and tests/test_jupyterhub.py) use this very file.
# Run the hub as root (LocalProcessSpawner switches to each user): `jupyterhub -f this-file`.
import os

c = get_config()  # noqa: F821

env = os.environ.get
course = env("SAGSSIM_COURSE_ID", "sagssim")
graders = [u for u in env("SAGSSIM_GRADERS", "sagssim-grader").split(",") if u]
students = [u for u in env("SAGSSIM_STUDENTS", "").split(",") if u]
state = env("SAGSSIM_HUB_STATE", "/srv/jupyterhub")
user_bin = env("SAGSSIM_USER_BIN", "/opt/sagssim/.venv/bin")  # a venv every user can execute
course_dir = env("SAGSSIM_COURSE_DIR", f"/home/{graders[0]}/{course}" if graders else "")
formgrader_port = int(env("SAGSSIM_FORMGRADER_PORT", "9999"))
# Users' processes see the global nbgrader config (exchange root, auth plugin) here, and the
# venv's own config/data dirs (server extensions, JupyterLab assets).
venv_prefix = os.path.dirname(user_bin.rstrip("/"))
jupyter_config_path = env("SAGSSIM_JUPYTER_CONFIG_PATH", f"/etc/jupyter:{venv_prefix}/etc/jupyter")
jupyter_path = env("SAGSSIM_JUPYTER_PATH", f"{venv_prefix}/share/jupyter")
user_env = {
    "PATH": f"{user_bin}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": jupyter_config_path,
    "JUPYTER_PATH": jupyter_path,
    "LANG": "C.UTF-8",
}
for key in ("SAGSSIM_EXCHANGE_ROOT",):
    if env(key):
        user_env[key] = env(key)

# --- network: the public proxy port, the hub API and the proxy API all on loopback by default
c.JupyterHub.bind_url = env("SAGSSIM_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = env("SAGSSIM_HUB_API_URL", "http://127.0.0.1:8081")
c.ConfigurableHTTPProxy.api_url = env("SAGSSIM_PROXY_API_URL", "http://127.0.0.1:8001")
c.ConfigurableHTTPProxy.command = [env("SAGSSIM_CHP", "configurable-http-proxy")]
# Debian's node-configurable-http-proxy keeps its modules in /usr/share/nodejs, which a Node.js
# not from Debian (e.g. NodeSource) does not search; the proxy inherits the hub's environment.
if os.path.isdir("/usr/share/nodejs") and "/usr/share/nodejs" not in env("NODE_PATH", ""):
    os.environ["NODE_PATH"] = os.pathsep.join(p for p in (env("NODE_PATH"), "/usr/share/nodejs") if p)
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")
c.JupyterHub.db_url = env("SAGSSIM_HUB_DB_URL", f"sqlite:///{os.path.join(state, 'jupyterhub.sqlite')}")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every single-user server
c.JupyterHub.cleanup_proxy = True

# --- who: PAM against the local Unix accounts; only course members may log in
c.JupyterHub.authenticator_class = env("SAGSSIM_AUTHENTICATOR", "pam")
c.Authenticator.allowed_users = set(graders) | set(students)
c.Authenticator.admin_users = set(u for u in env("SAGSSIM_ADMINS", "").split(",") if u)

# --- how: each user's server runs as that Unix user from the shared venv, in their home
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(user_bin, "jupyterhub-singleuser")]
c.Spawner.environment = user_env
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# --- nbgrader multi-course groups
c.JupyterHub.load_groups = {
    f"formgrade-{course}": {"users": graders},
    f"nbgrader-{course}": {"users": students},
}

services = []
roles = [
    # nbgrader's JupyterHubAuthPlugin reads the user's groups with the server's own token.
    {"name": "server", "scopes": ["inherit"]},
    # graders may open the course's formgrader; students may not
    {"name": f"formgrade-{course}", "groups": [f"formgrade-{course}"],
     "scopes": [f"access:services!service={course}"]},
]
if course_dir and graders:
    # The course's formgrader: a JupyterLab server run by the hub as the (first) grader in the course dir.
    services.append({
        "name": course,
        "url": f"http://127.0.0.1:{formgrader_port}",
        "command": [os.path.join(user_bin, "jupyterhub-singleuser"), f"--port={formgrader_port}",
                    "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={course_dir}"],
        "user": graders[0],
        "cwd": course_dir,
        "environment": {**user_env, "JUPYTERHUB_DEFAULT_URL": "/lab"},
        "oauth_no_confirm": True,
    })
    # The formgrader adds students it meets to the course group (JupyterHubAuthPlugin).
    roles.append({"name": f"{course}-formgrader", "services": [course],
                  "scopes": ["read:users", "list:users", "read:groups", "list:groups",
                             f"groups!group=nbgrader-{course}"]})
admin_token = env("SAGSSIM_ADMIN_TOKEN")
if admin_token:
    # An automation account (the demo/test script): admin rights through the REST API only.
    services.append({"name": "sagssim-admin", "api_token": admin_token})
    roles.append({"name": "sagssim-admin", "services": ["sagssim-admin"],
                  "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "list:services",
                             "read:services", "read:hub", "access:servers", "access:services"]})
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
