"""Compiles .proto files with the system protoc and grpc_cpp_plugin.

Native proto_library needs @com_google_protobuf, which cannot be fetched
offline, so a genrule runs Debian's /usr/bin/protoc instead.
"""

def alertgate_cc_grpc_library(name, srcs, proto_root, deps = [], **kwargs):
    """Two cc_libraries over the code generated from `srcs`.

    `name + "_messages"`: the message classes only (protobuf); `name`: those
    and the gRPC service stubs. Code that handles the API's messages without
    calling it (the plugin loader) depends on the first and links no gRPC.

    Args:
      name: the cc_library's name.
      srcs: .proto files, relative to this package.
      proto_root: the import root, relative to this package ("." for the
        package itself); generated headers are included relative to it.
      deps: further cc_library dependencies of the gRPC library.
      **kwargs: passed to both cc_libraries.
    """
    messages_h = []
    messages_cc = []
    services_h = []
    services_cc = []
    for src in srcs:
        stem = src[:-len(".proto")]
        messages_h.append(stem + ".pb.h")
        messages_cc.append(stem + ".pb.cc")
        services_h.append(stem + ".grpc.pb.h")
        services_cc.append(stem + ".grpc.pb.cc")
    native.genrule(
        name = name + "_generate",
        srcs = srcs,
        outs = messages_h + services_h + messages_cc + services_cc,
        cmd = " ".join([
            "/usr/bin/protoc",
            "-I" + _import_root(proto_root),
            "--cpp_out=$(RULEDIR)/" + proto_root,
            "--grpc_out=$(RULEDIR)/" + proto_root,
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
            "$(SRCS)",
        ]),
    )
    native.cc_library(
        name = name + "_messages",
        srcs = messages_cc,
        hdrs = messages_h,
        includes = [proto_root],
        copts = ["-w"],
        deps = ["//bazel:protobuf"],
        **kwargs
    )
    native.cc_library(
        name = name,
        srcs = services_cc,
        hdrs = services_h,
        includes = [proto_root],
        copts = ["-w"],
        deps = deps + [":" + name + "_messages", "//bazel:grpc"],
        **kwargs
    )

def _import_root(proto_root):
    """The import root as a path from the execution root."""
    package = native.package_name()
    if proto_root == ".":
        return package
    return package + "/" + proto_root
