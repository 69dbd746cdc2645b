"""A repository rule that wraps a system library found by pkg-config.

system_library(name, modules) runs `pkg-config --cflags --libs` over the
modules and writes a cc_library `@name//:lib` carrying those flags. Headers
under /usr/include need nothing more; other include folders (-I) are linked
into the repository and exported as its includes.
"""

def _pkg_config(ctx, flag, modules):
    result = ctx.execute(["pkg-config", flag] + modules)
    if result.return_code != 0:
        fail("pkg-config %s %s failed: %s" % (flag, " ".join(modules), result.stderr))
    return [f for f in result.stdout.strip().split(" ") if f]

def _system_library_impl(ctx):
    cflags = _pkg_config(ctx, "--cflags", ctx.attr.modules)
    libs = _pkg_config(ctx, "--libs", ctx.attr.modules) + ctx.attr.extra_linkopts
    defines = [f[2:] for f in cflags if f.startswith("-D")]
    include_dirs = [f[2:] for f in cflags if f.startswith("-I") and f != "-I/usr/include"]
    copts = [f for f in cflags if not f.startswith("-D") and not f.startswith("-I")]
    includes = []
    for i, folder in enumerate(include_dirs):
        ctx.symlink(folder, "include%d" % i)
        includes.append("include%d" % i)
    ctx.file("BUILD.bazel", """
cc_library(
    name = "lib",
    hdrs = glob([{globs}]),
    includes = {includes},
    defines = {defines},
    copts = {copts},
    linkopts = {libs},
    visibility = ["//visibility:public"],
)
""".format(
        globs = ", ".join([repr(d + "/**") for d in includes]),
        includes = repr(includes),
        defines = repr(defines),
        copts = repr(copts),
        libs = repr(libs),
    ))

system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {
        "modules": attr.string_list(mandatory = True),
        "extra_linkopts": attr.string_list(),
    },
    local = True,
)
