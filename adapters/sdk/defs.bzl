"""Bazel macro for alertgate source-adapter plugins."""

def alertgate_adapter_plugin(name, srcs, deps = [], copts = [], linkopts = [], **kwargs):
    """Builds lib<name>.so, a plugin that exports only its entry function.

    Carries everything a plugin needs: C++17, hidden visibility, the SDK and
    its JSON helpers, and the version script that keeps every symbol but
    alertgate_adapter_v1 local.

    Args:
      name: the alert-source name; the output is lib<name>.so.
      srcs: the plugin's sources.
      deps: further header-only dependencies; the SDK is added.
      copts: further compiler options.
      linkopts: further linker options.
      **kwargs: passed to cc_binary.
    """

    # Labels resolve to this repository whether it is the main one (in tree)
    # or @alertgate (an installed SDK).
    exports = Label("//adapters/sdk:alertgate_plugin.map")
    native.cc_binary(
        name = "lib" + name + ".so",
        srcs = srcs,
        linkshared = True,
        copts = ["-std=c++17", "-fvisibility=hidden", "-fvisibility-inlines-hidden"] + copts,
        linkopts = ["-Wl,--version-script=$(location %s)" % exports] + linkopts,
        additional_linker_inputs = [exports],
        deps = deps + [
            Label("//adapters/sdk:sdk"),
            Label("//adapters/sdk:json_fields"),
        ],
        **kwargs
    )
