"""photon_cc_proto: compile one proto/NAME.proto with protoc + grpc_cpp_plugin."""

def photon_cc_proto(name, deps = []):
    """Declares NAME_cc_proto, a cc_library with NAME's messages and services.

    Args:
      name: the proto file's base name in this folder.
      deps: other photon_cc_proto libraries whose protos NAME.proto imports.
    """
    outs = [
        name + ".pb.h",
        name + ".pb.cc",
        name + ".grpc.pb.h",
        name + ".grpc.pb.cc",
    ]
    native.genrule(
        name = name + "_proto_gen",
        srcs = native.glob(["*.proto"]),
        outs = outs,
        cmd = ("protoc -I. --cpp_out=$(GENDIR) --grpc_out=$(GENDIR) " +
               "--plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin) " +
               "proto/" + name + ".proto"),
    )
    native.cc_library(
        name = name + "_cc_proto",
        srcs = [name + ".pb.cc", name + ".grpc.pb.cc"],
        hdrs = [name + ".pb.h", name + ".grpc.pb.h"],
        copts = ["-Wno-unused-parameter"],
        deps = deps + ["//third_party:grpc", "//third_party:protobuf"],
    )
