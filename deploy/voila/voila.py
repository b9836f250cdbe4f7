# Voilà configuration used by `make voila` (loaded with --Voila.config_file_paths=deploy/voila).
#
# Culling: a trainee who closes the tab leaves a kernel with no connection behind. Voilà never
# stops it by itself, so on a shared course server the kernels pile up. The kernel manager
# checks every minute and shuts down a kernel that has had no connection and no activity for
# five minutes; a kernel whose tab is still open is never culled (cull_connected = False).
c = get_config()  # noqa: F821

c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_idle_timeout = 300
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = False
