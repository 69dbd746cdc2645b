"""The runtime kernel library precompiled for generated code."""

# The flags the system toolchain compiles generated code with
# (compiler/toolchain/toolchain.h, SystemToolchainOptions::flags, without
# -shared), so the archive's objects match the code they link with.
# -ffunction-sections and -fdata-sections let the artifact's link keep only
# the kernels it calls; hidden visibility keeps them out of its exports.
RUNTIME_COPTS = [
    "-std=c++17",
    "-O3",
    "-fPIC",
    "-fopenmp",
    "-fno-math-errno",
    "-ffunction-sections",
    "-fdata-sections",
    "-fvisibility=hidden",
]

# The CPU levels an archive is built for (-march values).
CPU_LEVELS = ["x86-64-v2", "x86-64-v3", "x86-64-v4"]

def runtime_archive(name, level, srcs, hdrs):
    """A static archive of `srcs` compiled by /usr/bin/g++ for -march=`level`.

    Args:
      name: the target; its output is lib<name>.a.
      level: the -march value.
      srcs: the .cc files.
      hdrs: the headers they include.
    """
    flags = " ".join(RUNTIME_COPTS + ["-march=" + level, "-I."])
    native.genrule(
        name = name,
        srcs = srcs + hdrs,
        outs = ["lib%s.a" % name],
        cmd = " && ".join([
            "objs=''",
            "for src in %s; do obj=$(@D)/%s_$$(basename $$src .cc).o; " % (
                " ".join(["$(location %s)" % s for s in srcs]),
                name,
            ) + "/usr/bin/g++ %s -c $$src -o $$obj || exit 1; objs=\"$$objs $$obj\"; done" % flags,
            "rm -f $@",
            "/usr/bin/ar rcsD $@ $$objs",
            "rm -f $$objs",
        ]),
        message = "Compiling the runtime kernels for " + level,
    )
