/* spec_parse: placeholder until implemented. */
