# The Debian package: make deb builds it from a clean copy of the checkout
# and runs lintian; make check-deb installs, upgrades, removes and purges
# it on this machine (root) and checks what each step leaves.

DEB_DIR=	$(OBJDIR)/deb

.PHONY: deb check-deb

# dpkg-buildpackage writes next to the source tree: a copy under obj/
# keeps the results there and builds only what git knows of (tracked and
# new files, not build output).
deb:
	@sh contrib/deps.sh ensure deb
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	git ls-files -z --cached --others --exclude-standard | \
	    tar --null -T - -cf - | tar -xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -b -us -uc
	lintian --fail-on error $(DEB_DIR)/*.changes

check-deb: deb
	sh tests/pkg/check-deb.sh $(DEB_DIR)
