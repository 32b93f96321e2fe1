#ifndef COFFER_BASE_THREAD_ANNOTATIONS_H_
#define COFFER_BASE_THREAD_ANNOTATIONS_H_

// Clang's -Wthread-safety annotations (LevelDB port/thread_annotations.h); no-ops elsewhere.
#if defined(__clang__)
#define COFFER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define COFFER_THREAD_ANNOTATION(x)
#endif

#define COFFER_GUARDED_BY(x) COFFER_THREAD_ANNOTATION(guarded_by(x))
#define COFFER_PT_GUARDED_BY(x) COFFER_THREAD_ANNOTATION(pt_guarded_by(x))
#define COFFER_REQUIRES(...) COFFER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define COFFER_EXCLUDES(...) COFFER_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

#endif  // COFFER_BASE_THREAD_ANNOTATIONS_H_
