/* namespaces: placeholder until implemented. */
