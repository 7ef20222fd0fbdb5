/* spawn: placeholder until implemented. */
