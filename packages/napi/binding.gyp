{
  # The Node-API version the addon is built against: the lowest that provides every call it
  # makes (keep in step with "binary.napi_versions" in package.json).
  "variables": {
    "loopfast_napi_version": "1"
  },
  "targets": [
    {
      "target_name": "loopfast_napi",
      "sources": [
        "src/native/addon.cc",
        "src/native/args.cc",
        "src/native/errors.cc",
        "src/native/ioctl.cc",
        "src/native/peer_address.cc",
        "src/native/peer_credentials.cc",
        "src/native/sock_diag.cc",
        "src/native/socket_check.cc",
        "src/native/socket_close.cc",
        "src/native/socket_create.cc",
        "src/native/socket_options.cc",
        "src/native/unix_connect.cc",
        "src/native/winsock.cc"
      ],
      # node-addon-api's header-only target, with C++ exceptions disabled: argument errors are
      # thrown as pending JS exceptions and every reader checks its result.
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api"
      ],
      "defines": [
        "NAPI_VERSION=<(loopfast_napi_version)",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      # Only the module's init symbols need to be visible; hiding the rest (node-addon-api's
      # inline functions included) lets the linker drop what is unused.
      "cflags": ["-fvisibility=hidden", "-ffunction-sections", "-fdata-sections"],
      "configurations": {
        "Release": {
          # -O2 rather than node's -O3: as fast here (a call's cost is the system call and the
          # Node-API round trips) and a third of the size.
          "cflags!": ["-O3"],
          "cflags": ["-O2"],
          "xcode_settings": { "GCC_OPTIMIZATION_LEVEL": "2" }
        }
      },
      "conditions": [
        ["OS=='linux'", {
          "ldflags": ["-Wl,--gc-sections"]
        }],
        ["OS=='win'", {
          "libraries": ["ws2_32.lib"],
          "msvs_settings": {
            "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17"] }
          }
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "DEAD_CODE_STRIPPING": "YES",
            "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra"]
          }
        }]
      ]
    }
  ]
}
