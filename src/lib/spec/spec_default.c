/* spec_default: placeholder until implemented. */
