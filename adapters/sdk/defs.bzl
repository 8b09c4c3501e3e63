"""Bazel macro for alertgate source-adapter plugins."""

def alertgate_adapter_plugin(name, srcs, deps = [], **kwargs):
    """Builds lib<name>.so, a plugin that exports only its entry function.

    Args:
      name: the alert-source name; the output is lib<name>.so.
      srcs: the plugin's sources.
      deps: header-only dependencies; the SDK is added.
      **kwargs: passed to cc_binary.
    """
    native.cc_binary(
        name = "lib" + name + ".so",
        srcs = srcs,
        linkshared = True,
        copts = ["-fvisibility=hidden", "-fvisibility-inlines-hidden"],
        # Resolves to this repository whether it is the main one (in tree) or
        # @alertgate (an installed SDK).
        deps = deps + [Label("//adapters/sdk:sdk")],
        **kwargs
    )
