/* spec: placeholder until implemented. */
