/* hooks: placeholder until implemented. */
