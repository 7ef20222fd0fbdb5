/* mounts: placeholder until implemented. */
