package catalog_test

import (
	"context"
	"fmt"
	"os"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// An organisation gets a token; its first upload creates a layer it owns;
// a second version is published, then rolled back by the owner. Another
// organisation may not touch the layer.
func Example() {
	dir, _ := os.MkdirTemp("", "catalog-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	c, err := catalog.Open(dir, catalog.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	cli := catalog.System("cli:example")
	c.AddOrg(ctx, cli, "so-xay-dung", "Sở Xây dựng", catalog.KindDepartment)
	c.AddOrg(ctx, cli, "xa-muong-bu", "Xã Mường Bú", catalog.KindCommune)
	_, secret, _ := c.AddToken(ctx, cli, "so-xay-dung", false, "")
	_, other, _ := c.AddToken(ctx, cli, "xa-muong-bu", false, "")

	owner, _ := c.Authenticate(ctx, secret) // from "Authorization: Bearer ..."
	for i := 1; i <= 2; i++ {
		v, _ := c.AddVersion(ctx, owner, "quy-hoach", catalog.NewVersion{
			Title: "Quy hoạch sử dụng đất", SourceHash: fmt.Sprintf("%064x", i)})
		c.StartVersion(ctx, owner, "quy-hoach", v.Number)
		c.Publish(ctx, owner, "quy-hoach", v.Number, catalog.VersionResult{FeatureCount: 120, CRS: "EPSG:9206"})
		fmt.Println("published", v.File)
	}
	l, _ := c.Rollback(ctx, owner, "quy-hoach", 1)
	fmt.Println("owner", l.Owner, "serves version", l.CurrentVersion)

	stranger, _ := c.Authenticate(ctx, other)
	_, err = c.Rollback(ctx, stranger, "quy-hoach", 2)
	fmt.Println("another organisation:", catalog.ErrorKind(err))
	// Output:
	// published layers/quy-hoach/quy-hoach.v1.mbtiles
	// published layers/quy-hoach/quy-hoach.v2.mbtiles
	// owner so-xay-dung serves version 1
	// another organisation: forbidden
}
