package it;

class VariantsBTest extends AbstractVariants {
}
