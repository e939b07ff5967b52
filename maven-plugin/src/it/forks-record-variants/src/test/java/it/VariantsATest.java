package it;

class VariantsATest extends AbstractVariants {
}
