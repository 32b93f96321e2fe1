# Warning flags for our own targets (applied by coffer_add_* helpers, never to third-party code).
set(COFFER_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Woverloaded-virtual -Wimplicit-fallthrough)
if(COFFER_WERROR)
  list(APPEND COFFER_WARNING_FLAGS -Werror)
endif()
