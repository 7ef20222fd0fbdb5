/* seccomp: placeholder until implemented. */
