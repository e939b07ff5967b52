package it;

class VariantsCTest extends AbstractVariants {
}
