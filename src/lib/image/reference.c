/* reference: placeholder until implemented. */
