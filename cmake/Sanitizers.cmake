# COFFER_SANITIZERS: a comma-separated list passed to -fsanitize= (e.g. "address,undefined", "thread").
set(COFFER_SANITIZERS "" CACHE STRING "Sanitizers to build with (address,undefined | thread)")
if(COFFER_SANITIZERS)
  add_compile_options(-fsanitize=${COFFER_SANITIZERS} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${COFFER_SANITIZERS})
  if(COFFER_SANITIZERS MATCHES "undefined")
    # Make UBSan findings fail the test that triggered them.
    add_compile_options(-fno-sanitize-recover=undefined)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      add_compile_options(-fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/cmake/ubsan_ignorelist.txt)
    endif()
  endif()
endif()
