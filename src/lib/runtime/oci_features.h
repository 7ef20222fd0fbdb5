/* `features`: what this runtime supports, as the runtime-spec features
 * document. */
#pragma once

#include <jansson.h>

/* The OCI runtime-spec version implemented (ociVersionMax, --version). */
#define HUTCH_OCI_VERSION "1.2.0"

/* A new features document, or NULL without memory. */
json_t *hutch_runtime_features(void);
