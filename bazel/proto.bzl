"""Compiles .proto files with the system protoc and grpc_cpp_plugin.

Native proto_library needs @com_google_protobuf, which cannot be fetched
offline, so a genrule runs Debian's /usr/bin/protoc instead.
"""

def alertgate_cc_grpc_library(name, srcs, proto_root, deps = [], **kwargs):
    """A cc_library over the C++ and gRPC code generated from `srcs`.

    Args:
      name: the cc_library's name.
      srcs: .proto files, relative to this package.
      proto_root: the import root, relative to this package ("." for the
        package itself); generated headers are included relative to it.
      deps: further cc_library dependencies.
      **kwargs: passed to cc_library.
    """
    outs_h = []
    outs_cc = []
    for src in srcs:
        stem = src[:-len(".proto")]
        outs_h += [stem + ".pb.h", stem + ".grpc.pb.h"]
        outs_cc += [stem + ".pb.cc", stem + ".grpc.pb.cc"]
    native.genrule(
        name = name + "_generate",
        srcs = srcs,
        outs = outs_h + outs_cc,
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
        name = name,
        srcs = outs_cc,
        hdrs = outs_h,
        includes = [proto_root],
        copts = ["-w"],
        deps = deps + ["//bazel:grpc"],
        **kwargs
    )

def _import_root(proto_root):
    """The import root as a path from the execution root."""
    package = native.package_name()
    if proto_root == ".":
        return package
    return package + "/" + proto_root
