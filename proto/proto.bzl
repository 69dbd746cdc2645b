"""C++ code generation for our .proto files with Debian's protoc."""

def cc_proto(name, src, deps = [], grpc = False):
    """A cc_library with the generated messages (and gRPC stubs if grpc)."""
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    cmd = "/usr/bin/protoc -I. --cpp_out=$(GENDIR) $(location %s)" % src
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
        cmd += (" --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin" +
                " --grpc_out=$(GENDIR) ")
        cmd = cmd.replace("$(location %s)" % src, "") + " $(location %s)" % src
    dep_srcs = [d.replace("_cc_proto", ".proto") for d in deps]
    native.genrule(
        name = name + "_gen",
        srcs = [src] + dep_srcs,
        outs = outs,
        cmd = cmd,
    )
    native.cc_library(
        name = name,
        srcs = [base + ".pb.cc"] + ([base + ".grpc.pb.cc"] if grpc else []),
        hdrs = [base + ".pb.h"] + ([base + ".grpc.pb.h"] if grpc else []),
        deps = deps + ["@system_grpc//:lib" if grpc else "@system_protobuf//:lib"],
    )

def py_proto(name, src):
    """The generated Python module (<base>_pb2.py) of a .proto without imports."""
    base = src[:-len(".proto")]
    native.genrule(
        name = name,
        srcs = [src],
        outs = [base + "_pb2.py"],
        cmd = "/usr/bin/protoc -I. --python_out=$(GENDIR) $(location %s)" % src,
    )
